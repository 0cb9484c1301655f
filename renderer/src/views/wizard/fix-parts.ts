// A preflight fix as the parts to show: statements and my.cnf settings are code (pasteable, with a
// Copy button), everything else is prose. Server settings become a `[mysqld]` block that can be pasted
// into my.cnf as is ("in my.cnf under [mysqld]: a = 1, b = 2; then restart the server").

export interface FixPart {
  kind: 'code' | 'text';
  text: string;
}

const SQL_START = /^(SET|GRANT|REVOKE|CREATE|ALTER|DROP|TRUNCATE|INSTALL|FLUSH|SELECT|RESET|CHANGE|START|STOP|CALL|USE|INSERT|UPDATE|DELETE)\b/i;
const MYCNF = /\s*(?:and\s+)?in my\.cnf under \[mysqld\]:\s*/i;

/** Statements (every line one) are code; a trailing "(…)" note and any other text are prose. */
function statementOrProse(s: string): FixPart[] {
  const text = s.trim().replace(/\s+and$/i, '');
  if (!text) return [];
  const note = /^(.*?;)\s*(\(.*\))\s*$/s.exec(text);
  const body = note ? note[1]! : text;
  const lines = body.split('\n').map((l) => l.trim()).filter(Boolean);
  if (lines.length && lines.every((l) => SQL_START.test(l))) {
    const parts: FixPart[] = [{ kind: 'code', text: lines.join('\n') }];
    if (note) parts.push({ kind: 'text', text: note[2]!.replace(/^\((.*)\)$/s, '$1') });
    return parts;
  }
  return [{ kind: 'text', text }];
}

/** "a = 1, b = 2; then restart the server" → the [mysqld] block and what follows it. */
function mycnf(s: string): FixPart[] {
  const end = s.search(/;|\s\(/);
  const settings = (end < 0 ? s : s.slice(0, end)).split(',').map((x) => x.trim()).filter(Boolean);
  const rest = (end < 0 ? '' : s.slice(end)).replace(/^;\s*/, '').trim().replace(/^\((.*)\)$/s, '$1');
  const parts: FixPart[] = [{ kind: 'code', text: ['[mysqld]', ...settings].join('\n') }];
  parts.push({ kind: 'text', text: `Add these lines to the server's my.cnf (or a file in its conf.d folder)${rest ? `; ${rest}` : ''}.` });
  return parts;
}

export function fixParts(fix: string): FixPart[] {
  const m = MYCNF.exec(fix);
  if (!m) return statementOrProse(fix);
  return [...statementOrProse(fix.slice(0, m.index)), ...mycnf(fix.slice(m.index + m[0].length))];
}
