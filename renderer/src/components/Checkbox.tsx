// A checkbox that can also be "mixed" (some of a group selected): the DOM's indeterminate state.
import { useEffect, useRef, type ComponentPropsWithoutRef } from 'react';

export type CheckState = 'all' | 'some' | 'none';

export function TriStateCheckbox({ state, ...rest }: { state: CheckState } & Omit<ComponentPropsWithoutRef<'input'>, 'type' | 'checked'>) {
  const ref = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (ref.current) ref.current.indeterminate = state === 'some';
  }, [state]);
  return <input ref={ref} type="checkbox" checked={state === 'all'} {...rest} />;
}
