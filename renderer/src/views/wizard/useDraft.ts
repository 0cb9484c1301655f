// The wizard's draft: loaded with getDraft (a new one when there is none), saved with saveDraft ~400 ms
// after the last change, at once on a step change (flush) and when the wizard closes, so it survives an
// app restart. Discard asks the engine to forget it and starts again.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ApiError, CutoverApi } from '../../../../shared/api';
import { emptyDraft, type WizardDraft } from '../../../../shared/wizard';
import { toApiError } from '../../api/errors';
import { draftSavable, withDefaultName } from './wizard-model';

export type SaveState = 'idle' | 'pending' | 'saving' | 'saved' | 'error';

export interface DraftStore {
  /** null while loading. */
  draft: WizardDraft | null;
  /** The draft had been saved before (the wizard continues it). */
  resumed: boolean;
  loadError: ApiError | null;
  saveState: SaveState;
  saveError: ApiError | null;
  update(fn: (d: WizardDraft) => WizardDraft): void;
  /** Saves now what is pending. */
  flush(): void;
  /** Drops what is pending (the draft became a job: the engine discarded it). */
  forget(): void;
  discard(): Promise<void>;
}

export function useDraft(api: CutoverApi, o: { saveDelayMs?: number; jobNames: readonly string[] }): DraftStore {
  const delay = o.saveDelayMs ?? 400;
  const [draft, setDraft] = useState<WizardDraft | null>(null);
  const [resumed, setResumed] = useState(false);
  const [loadError, setLoadError] = useState<ApiError | null>(null);
  const [saveState, setSaveState] = useState<SaveState>('idle');
  const [saveError, setSaveError] = useState<ApiError | null>(null);
  const current = useRef<WizardDraft | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const version = useRef(0);
  const mounted = useRef(true);
  const jobNames = useRef(o.jobNames);
  jobNames.current = o.jobNames;

  useEffect(() => {
    mounted.current = true;
    let live = true;
    api.call('getDraft').then(
      (d) => {
        if (!live) return;
        current.current = d ?? emptyDraft();
        setResumed(d !== null);
        setDraft(current.current);
      },
      (e: unknown) => {
        if (!live) return;
        setLoadError(toApiError(e));
        current.current = emptyDraft();
        setDraft(current.current);
      },
    );
    return () => {
      live = false;
      mounted.current = false;
    };
  }, [api]);

  const save = useCallback(() => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = null;
    const d = current.current;
    if (!d || !draftSavable(d)) return;
    const v = version.current;
    if (mounted.current) setSaveState('saving');
    api.call('saveDraft', d).then(
      () => {
        if (mounted.current && version.current === v) {
          setSaveState('saved');
          setSaveError(null);
        }
      },
      (e: unknown) => {
        if (mounted.current) {
          setSaveState('error');
          setSaveError(toApiError(e));
        }
      },
    );
  }, [api]);

  // Closing the wizard saves what is still pending.
  useEffect(
    () => () => {
      if (timer.current) save();
    },
    [save],
  );

  const update = useCallback(
    (fn: (d: WizardDraft) => WizardDraft) => {
      const prev = current.current;
      if (!prev) return;
      const next = withDefaultName(prev, fn(prev), jobNames.current);
      if (next === prev) return;
      current.current = next;
      version.current++;
      setDraft(next);
      setSaveState('pending');
      if (timer.current) clearTimeout(timer.current);
      timer.current = setTimeout(save, delay);
    },
    [save, delay],
  );

  const flush = useCallback(() => {
    if (timer.current) save();
  }, [save]);

  const forget = useCallback(() => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = null;
  }, []);

  const discard = useCallback(async () => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = null;
    await api.call('discardDraft');
    version.current++;
    current.current = emptyDraft();
    setDraft(current.current);
    setResumed(false);
    setSaveState('idle');
    setSaveError(null);
  }, [api]);

  return { draft, resumed, loadError, saveState, saveError, update, flush, forget, discard };
}
