// The job's modes as the wizard offers them (Preflight, where the mode decides what the checks require,
// and Options).
import type { JobMode } from '../../../../shared/wizard';

export const JOB_MODES: { value: JobMode; label: string; description: string }[] = [
  { value: 'snapshot+stream', label: 'Copy, then stream', description: "Copies every table, then follows the source's binlog and keeps the sink in step until you cut over. For moving a live database." },
  { value: 'snapshot', label: 'Copy only', description: 'Copies every table once and stops; later changes on the source are not followed. For a one-off copy or a database that is not written to.' },
  { value: 'stream', label: 'Stream only', description: 'Follows the binlog from now on without copying: for a sink that already has the data (e.g. restored from a backup).' },
];
