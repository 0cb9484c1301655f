// Logs go to the state file (for `cutover logs` and the UI) and, when asked, to the terminal.
import type { LogLevel } from '../../shared/api.js';

/** Log levels from the least to the most severe. */
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/** Where log lines are kept (the state file's StateStore). */
export interface LogStore {
  log(level: LogLevel, job: string | null, table: string | null, message: string): void;
}

export interface Logger {
  log(level: LogLevel, message: string, table?: string): void;
  info(message: string, table?: string): void;
  warn(message: string, table?: string): void;
  error(message: string, table?: string): void;
  debug(message: string, table?: string): void;
}

export function createLogger(
  store: LogStore,
  job: string,
  echo?: { level: LogLevel; write: (line: string) => void },
): Logger {
  const min = echo ? LOG_LEVELS.indexOf(echo.level) : LOG_LEVELS.length;
  const log = (level: LogLevel, message: string, table?: string): void => {
    try {
      store.log(level, job, table ?? null, message);
    } catch {
      /* a full disk must not hide the message from the terminal */
    }
    if (echo && LOG_LEVELS.indexOf(level) >= min) {
      const t = new Date().toISOString().slice(11, 19);
      echo.write(`${t} ${level.toUpperCase().padEnd(5)} ${table ? `[${table}] ` : ''}${message}`);
    }
  };
  return {
    log,
    info: (m, t) => log('info', m, t),
    warn: (m, t) => log('warn', m, t),
    error: (m, t) => log('error', m, t),
    debug: (m, t) => log('debug', m, t),
  };
}
