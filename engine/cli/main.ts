// The `cutover` CLI: check, run, status, logs, verify, switch, remove, ui. Errors print what is wrong and how to fix it, never a stack trace.
import { Command, Option } from 'commander';
import { formatError } from '../../shared/errors.js';
import { limitHeapGrowth } from './heap-growth.js';

limitHeapGrowth();

// Each command's module (and what it needs: the pipeline, the web server, SSH tunnels, …) is loaded only
// when that command runs: `cutover run` of a stream job does not pay for the modules of `ui` or `switch`.
type Action = (...args: never[]) => unknown;
const lazy =
  <M,>(load: () => Promise<M>, pick: (m: M) => Action) =>
  async (...args: unknown[]): Promise<void> => {
    await (pick(await load()) as (...a: unknown[]) => unknown)(...args);
  };
const checkCommand = lazy(() => import('./commands/check.js'), (m) => m.checkCommand);
const runCommand = lazy(() => import('./commands/run.js'), (m) => m.runCommand);
const statusCommand = lazy(() => import('./commands/status.js'), (m) => m.statusCommand);
const logsCommand = lazy(() => import('./commands/logs.js'), (m) => m.logsCommand);
const removeCommand = lazy(() => import('./commands/remove.js'), (m) => m.removeCommand);
const resumeTableCommand = lazy(() => import('./commands/resume-table.js'), (m) => m.resumeTableCommand);
const skipMessageCommand = lazy(() => import('./commands/skip-message.js'), (m) => m.skipMessageCommand);
const switchCommand = lazy(() => import('./commands/switch.js'), (m) => m.switchCommand);
const uiCommand = lazy(() => import('./commands/ui.js'), (m) => m.uiCommand);
const verifyCommand = lazy(() => import('./commands/verify.js'), (m) => m.verifyCommand);
const rollbackCommand = lazy(() => import('./commands/rollback.js'), (m) => m.rollbackCommand);

// A reader that closes early (`cutover logs | head`) ends the output, never with a stack trace: a listing
// command simply exits; a running job (or web mode) goes on without its terminal output, since stopping
// there would be a stop nobody asked for.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
  if (process.argv[2] === 'run' || process.argv[2] === 'ui') process.stdout.write = () => true;
  else process.exit(0);
});

const program = new Command('cutover')
  .description('Move a live MySQL or MariaDB database with minimal downtime: exact, resumable copy, then binlog streaming.')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)');

const stateOption = () =>
  new Option('--state <file>', 'state file (default: $CUTOVER_STATE, else the per-user app-data folder)');

program
  .command('check')
  .description('Run the preflight checks on a source (and optionally a sink); exit 0 when nothing fails')
  .requiredOption('--source <url>', 'source server, mysql://user:password@host:port')
  .option('--sink <url>', 'sink server, mysql://user:password@host:port')
  .option('--streaming', 'treat binlog settings and replication privileges as required (for streaming jobs)')
  .option('--json', 'print the report as JSON')
  .action(checkCommand);

program
  .command('run')
  .description('Run a job file; running it again with the same state file resumes where it stopped')
  .argument('<job>', 'job file (JSON), or - to read it from standard input')
  .addOption(stateOption())
  .option('--restart', 'forget this job\'s progress (and, for a MySQL sink, its checkpoint row there) and start again: copy from the start, stream from "stream.start"')
  .option('--adopt-checkpoint', 'MySQL sink: continue from the checkpoint row of this job name that another state file (or an earlier job of the name) left in the sink')
  .option('--skip-preflight', 'do not run the preflight checks first')
  .option('--exit-when-caught-up', 'streaming modes: exit 0 once the sink has applied everything up to the source position read when the copy finished (or, in stream mode, when this run began)')
  .option('--skip-message <topic:partition:offset>', 'Kafka source: go past a message that paused its partition without applying it (sent to the dead-letter topic if the job names one; recorded in the sink); repeatable', (v: string, prev: string[] = []) => [...prev, v])
  .option('--skip-ddl', 'streaming paused at a DDL statement: go on past it without applying it to the sink (apply it by hand first if needed)')
  .option('--force', 'a job switched over by the cutover assistant (its stream stopped for good at the fence): stream again from the sink\'s position anyway')
  .option('--resnapshot', 'snapshot+stream: forget the stream position and copy every table again (emptying the sink tables), e.g. after the source purged the binlog the stream needed')
  .addOption(new Option('--log-level <level>', 'terminal log level').choices(['debug', 'info', 'warn', 'error']).default('info'))
  .option('--quiet', 'print only warnings and errors')
  .action(runCommand);

program
  .command('status')
  .description('Show each job: phase, per-table rows copied / estimated, chunks, rows/s, stream positions and lag, errors')
  .addOption(stateOption())
  .option('--job <name>', 'only this job')
  .option('--json', 'print as JSON')
  .action(statusCommand);

program
  .command('resume-table')
  .description('A table paused at a DDL statement (DDL policy "pause-table"): after applying the statement to the sink by hand, apply its held changes and stream it again')
  .argument('<table>', 'the paused source table, db.table (as `cutover status` lists it)')
  .requiredOption('--job <name>', 'the job')
  .addOption(stateOption())
  .option('--skip', 'leave the sink as it is (the statement is not applied) and apply the held changes')
  .action(resumeTableCommand);

program
  .command('skip-message')
  .description('Kafka source: go past the message a partition is paused at without applying it (sent to the dead-letter topic if the job names one; recorded in the sink); a running job resumes the partition within seconds')
  .argument('<topic:partition:offset>', 'the paused message, as `cutover status` names it')
  .requiredOption('--job <name>', 'the job')
  .addOption(stateOption())
  .action(skipMessageCommand);

program
  .command('logs')
  .description('Print the log stored in the state file')
  .addOption(stateOption())
  .option('--job <name>', 'only this job')
  .addOption(new Option('--level <level>', 'minimum level').choices(['debug', 'info', 'warn', 'error']).default('info'))
  .option('--follow', 'keep printing new lines as they are written')
  .option('--limit <n>', 'how many of the latest lines to print first', '200')
  .action(logsCommand);

program
  .command('verify')
  .description('Compare source and sink (checksums per key range computed by each server; the rows that differ, by key); exit 0 when equal, 1 when anything differs, 2 when it could not run')
  .argument('<job>', 'job file (JSON), or - to read it from standard input')
  .addOption(stateOption())
  .option('--table <db.table...>', 'only these source tables (default: every table of the job)')
  .option('--json', 'print the report as JSON')
  .option('--chunk-rows <n>', 'rows per compared key range', '10000')
  .option('--max-rows <n>', 'differing rows listed per table', '1000')
  .option('--repair', 'copy the differing rows again (a table without a key: the whole table), then verify the repaired tables again')
  .option('--repair-from <id>', 'repair what verification <id> found (its id is printed, and stored in the state file), then verify again')
  .action(verifyCommand);

program
  .command('switch')
  .description('Switch over to the sink: the cutover checklist in the terminal (lag, proven read-only freeze, fence-drain-stop, final verification, triggers/routines/events, report), each step printed with its result; rerun after a crash resumes at the journal\'s step. Exit 0 switched, 1 a step failed, 2 the operator is needed')
  .argument('<job>', 'job file (JSON) of a job whose stream runs (`cutover run JOB.json`) with the same state file')
  .addOption(stateOption())
  .option('--yes', 'confirm the steps that change the source (read-only) without asking; it never confirms killing sessions: sessions that write through read-only are named and the command exits 2')
  .option('--lag-threshold <s>', 'seconds of lag under which the switch may begin', '5')
  .option('--no-reverse', 'switch without a reverse job (the way back check is skipped, recorded in the journal); the way back is then by hand')
  .option('--reverse-job <file>', 'where the reverse job\'s file is written (default: <job>-reverse.json beside the job file); it is started as its own `cutover run` process')
  .action(switchCommand);

program
  .command('rollback')
  .description('After a switch with a reverse job: freeze the new server (proven), fence, drain and stop the reverse job, verify, recreate the old server\'s held triggers, make the old server writable; exit 0 rolled back, 1 a step failed, 2 the operator is needed')
  .argument('<job>', 'the forward job\'s file (its reverse job <name>-reverse.json is read from beside it when there)')
  .addOption(stateOption())
  .option('--yes', 'answer the confirmations (freezing the new server, making the old one writable)')
  .action(rollbackCommand);

program
  .command('remove')
  .description("Remove a job that is not running from the state file: its progress, metrics, verifications and log (the sink's tables and rows stay)")
  .argument('<job>', 'the job\'s name (as `cutover status` lists it), or its job file')
  .addOption(stateOption())
  .option('--clean-sink', "also delete the job's checkpoint row on a MySQL sink (`_cutover`.`cutover_checkpoint`), so a new job of the same name starts fresh")
  .action(removeCommand);

program
  .command('ui')
  .description('Open the dashboard in a browser: serves it and the engine API on 127.0.0.1, guarded by a per-launch token')
  .addOption(stateOption())
  .option('--port <n>', 'port on 127.0.0.1 (0: any free port)', '7420')
  .option('--open', 'open the dashboard in the default browser')
  .option('--demo', 'also start the demo: throwaway MariaDB servers, a sample shop with a write load, a snapshot+stream job (in the demo\'s own state file unless --state is given)')
  .action(uiCommand);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (!(e as { logged?: boolean }).logged) console.error(`cutover: ${formatError(e)}`);
  process.exitCode = process.exitCode && process.exitCode !== 0 ? process.exitCode : 1;
}
