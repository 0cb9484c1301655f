// The engine's sink kinds (title and capabilities, shared/sink-capabilities.ts), fetched once per API
// connection: views decide what to offer by asking a kind's capabilities, never by its name.
import { useEffect, useState } from 'react';
import type { CutoverApi, SinkKindInfo } from '../../shared/api';

const loaded = new WeakMap<CutoverApi, Promise<SinkKindInfo[]>>();
/** The answers already received, so a view opened after the first one has them at once. */
const known = new WeakMap<CutoverApi, SinkKindInfo[]>();

/** The sink kinds, asked of the engine once per API (a failed request is asked again next time). */
export function loadSinkKinds(api: CutoverApi): Promise<SinkKindInfo[]> {
  let p = loaded.get(api);
  if (!p) {
    p = api.call('sinkKinds');
    loaded.set(api, p);
    p.then((l) => known.set(api, l), () => undefined);
    p.catch(() => loaded.delete(api));
  }
  return p;
}

export interface SinkKinds {
  /** Every sink kind; null until the engine has answered. */
  list: readonly SinkKindInfo[] | null;
  /** A kind's title and capabilities; null for no kind, an unknown one, or before the engine answered. */
  of(kind: string | null | undefined): SinkKindInfo | null;
  /** A kind's title for people; the kind itself until the engine answered. */
  title(kind: string): string;
  /** The engine has answered, or could not be asked (views then show what needs no capability). */
  settled: boolean;
}

export function useSinkKinds(api: CutoverApi): SinkKinds {
  const [list, setList] = useState<readonly SinkKindInfo[] | null>(() => known.get(api) ?? null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let live = true;
    loadSinkKinds(api).then(
      (l) => live && setList(l),
      () => live && setFailed(true), // the views show what needs no capability; the next view asks again
    );
    return () => {
      live = false;
    };
  }, [api]);
  const of = (kind: string | null | undefined) => (kind ? (list?.find((k) => k.kind === kind) ?? null) : null);
  return { list, of, title: (kind) => of(kind)?.title ?? kind, settled: list !== null || failed };
}
