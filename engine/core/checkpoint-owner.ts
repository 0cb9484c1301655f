// Whose checkpoint a sink holds: the verdict every sink that keeps its checkpoint in its own tables
// (capability `checkpointInSink`) applies to the row it finds for a job's name. A row records the state
// file's installation id and the job's instance id (engine/state/identity.ts); each sink reads and writes
// them in its own table (engine/sink/mysql/checkpoint-owner.ts says the rules and the fixes offered).

export interface OwnershipPolicy {
  /** --adopt-checkpoint: take over a row that another state file or job instance wrote. */
  adopt: boolean;
  /** This state file has streamed the job before (a row without an owner is then its own). */
  streamedBefore: boolean;
}

export interface RowOwner {
  installation: string | null;
  instance: string | null;
}

export type OwnershipVerdict = 'none' | 'ours' | 'adopt-legacy' | 'adopt-foreign' | 'refuse';

/** What to do with the row found for this job's name. Pure. */
export function ownershipVerdict(row: RowOwner | null, ours: { installation: string; instance: string }, policy: OwnershipPolicy): OwnershipVerdict {
  if (!row) return 'none';
  if (row.installation === ours.installation && row.instance === ours.instance) return 'ours';
  if (policy.adopt) return 'adopt-foreign';
  if (row.installation === null && row.instance === null && policy.streamedBefore) return 'adopt-legacy';
  return 'refuse';
}
