// A job's (or every job's) log: level filter, debounced search, live lines with follow, export as .log.
import { memo, useCallback, useEffect, useId, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { CutoverApi, LogLevel, LogLine } from '../../../../shared/api.js';
import { SearchField, ToolbarField } from '../../components/ToolbarField.js';
import { formatTime, formatUtc } from '../../format.js';
import { LOG_LEVELS, MAX_LINES, formatLogFile, logFileName, matchesLine, mergeLines, type LogFilter } from './log-model.js';
import './LogViewer.css';

export interface LogViewerProps {
  api: CutoverApi;
  job?: string;
}

const SEARCH_DEBOUNCE_MS = 300;
/** How close to the bottom (px) still counts as "at the bottom". */
const BOTTOM_SLACK = 24;

export function LogViewer({ api, job }: LogViewerProps) {
  const ids = useId();
  const [level, setLevel] = useState<LogLevel>('info');
  const [searchInput, setSearchInput] = useState('');
  const [search, setSearch] = useState('');
  const [lines, setLines] = useState<LogLine[]>([]);
  const [follow, setFollow] = useState(true);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);

  const filter = useMemo<LogFilter>(() => ({ job, minLevel: level, search }), [job, level, search]);
  const filterRef = useRef(filter);
  filterRef.current = filter;

  // Debounce the search box.
  useEffect(() => {
    if (searchInput === search) return;
    const t = setTimeout(() => setSearch(searchInput), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [searchInput, search]);

  // Live lines (all jobs): keep those that match the current filter.
  useEffect(
    () =>
      api.subscribe(null, (ev) => {
        if (ev.type !== 'logs' || ev.lines.length === 0) return;
        const f = filterRef.current;
        const matched = ev.lines.filter((l) => matchesLine(l, f));
        if (matched.length > 0) setLines((prev) => mergeLines(prev, matched));
      }),
    [api],
  );

  // The latest lines matching the filter, from the host.
  useEffect(() => {
    let active = true;
    setLoading(true);
    setError(null);
    api
      .call('logs', { job, minLevel: level, search: search.trim() || undefined, limit: 500 })
      .then(
        (result) => {
          if (!active) return;
          const f = { job, minLevel: level, search };
          const maxId = result.reduce((m, l) => Math.max(m, l.id), -Infinity);
          // Keep live lines that arrived while the query ran (newer than anything it returned).
          setLines((prev) => mergeLines(result, prev.filter((l) => l.id > maxId && matchesLine(l, f)), MAX_LINES));
        },
        (e: unknown) => {
          if (active) setError(e instanceof Error ? e.message : String(e));
        },
      )
      .finally(() => {
        if (active) setLoading(false);
      });
    return () => {
      active = false;
    };
  }, [api, job, level, search]);

  // What is shown always matches the current filter, even before the host answers.
  const shown = useMemo(() => lines.filter((l) => matchesLine(l, filter)), [lines, filter]);

  // Follow: stay at the bottom while on; scrolling up turns it off.
  const listRef = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    const el = listRef.current;
    if (follow && el) el.scrollTop = el.scrollHeight;
  }, [shown, follow]);
  const onScroll = useCallback(() => {
    const el = listRef.current;
    if (!el) return;
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight <= BOTTOM_SLACK;
    if (!atBottom) setFollow(false);
  }, []);

  const exportLines = () => {
    const blob = new Blob([formatLogFile(shown)], { type: 'text/plain;charset=utf-8' });
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = logFileName(job, Date.now());
    a.style.display = 'none';
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1_000);
  };

  return (
    <section className="lv" data-testid="log-viewer" aria-label={job ? `Log of ${job}` : 'Log'}>
      <div className="toolbar lv-toolbar">
        <ToolbarField label="Level">
          <select value={level} onChange={(e) => setLevel(e.target.value as LogLevel)} aria-controls={`${ids}-log`}>
            {LOG_LEVELS.map((l) => (
              <option key={l} value={l}>
                {l === 'debug' ? 'debug and above' : l === 'error' ? 'error only' : `${l} and above`}
              </option>
            ))}
          </select>
        </ToolbarField>
        <SearchField label="Search" value={searchInput} placeholder="Text in messages" onChange={setSearchInput} controls={`${ids}-log`} />
        <span className="toolbar-status" aria-live="polite">
          {loading ? 'Loading…' : `${shown.length.toLocaleString('en-US')} ${shown.length === 1 ? 'line' : 'lines'}`}
        </span>
        <div className="lv-buttons">
          <button type="button" className="tool-btn" aria-pressed={follow} onClick={() => setFollow((f) => !f)} title="Keep the newest line in view">
            {follow ? 'Following' : 'Follow'}
          </button>
          <button type="button" className="tool-btn" onClick={exportLines} disabled={shown.length === 0} title="Download the lines shown as a .log file">
            Export
          </button>
        </div>
      </div>
      {error && (
        <p className="lv-error" role="alert">
          Could not load the log: {error}
        </p>
      )}
      <div
        id={`${ids}-log`}
        className="lv-list scroll-panel"
        ref={listRef}
        onScroll={onScroll}
        role="log"
        aria-live="off"
        aria-label="Log lines"
        tabIndex={0}
      >
        {shown.length === 0 && !loading ? (
          <p className="widget-empty">{search ? 'No log line matches the search.' : `No log lines at ${level} level or above yet.`}</p>
        ) : (
          <ol className="lv-lines">
            {shown.map((l) => (
              <Line key={l.id} line={l} showJob={job === undefined} />
            ))}
          </ol>
        )}
      </div>
    </section>
  );
}

const Line = memo(function Line({ line, showJob }: { line: LogLine; showJob: boolean }) {
  return (
    <li className={`lv-line lv-line-${line.level}`} data-testid="log-line">
      <time className="lv-time" dateTime={new Date(line.ts).toISOString()} title={formatUtc(line.ts)}>
        {formatTime(line.ts)}
      </time>
      <span className={`lv-badge tone-badge lv-badge-${line.level}`}>{line.level.toUpperCase()}</span>
      <span className="lv-body">
        {showJob && line.job && <span className="lv-job">{line.job} </span>}
        {line.table && <span className="lv-table">[{line.table}] </span>}
        <span className="lv-msg">{line.message}</span>
      </span>
    </li>
  );
});
