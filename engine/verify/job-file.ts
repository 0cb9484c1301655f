// The job file a verification runs on. One function, so that job files naming saved connection profiles
// can be resolved here (the state file holds the profiles) without touching the rest of verification.
import { readFileSync } from 'node:fs';
import { CutoverError } from '../../shared/errors.js';
import { parseJobText, type JobConfig } from '../../shared/job-config.js';
import type { StateStore } from '../state/store.js';

export function loadJobForVerify(path: string, store: StateStore): JobConfig {
  void store; // connection profiles will be resolved from here
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new CutoverError(`Cannot read the job file ${path}: ${(e as Error).message}`, 'Check the path.', 'CONFIG');
  }
  return parseJobText(text, `job file ${path}`);
}
