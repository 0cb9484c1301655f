// zod issues as the operator reads them: one line per problem, "$.json.path: what is wrong — the fix".
// Used by the job file (shared/job-config.ts) and the connection profiles (engine/connections/).
import type { z } from 'zod';

export function jsonPath(path: PropertyKey[]): string {
  return '$' + path.map((p) => (typeof p === 'number' ? `[${p}]` : /^[A-Za-z_]\w*$/.test(String(p)) ? `.${String(p)}` : `[${JSON.stringify(String(p))}]`)).join('');
}

/**
 * One line per issue. The fix comes from the issue itself (a custom issue's `params.fix`), else from
 * `fixes` by dotted path (array indexes dropped). Messages never quote the value that was given, so a
 * password in a bad field never reaches a message.
 */
export function issueLines(issues: z.core.$ZodIssue[], fixes: Record<string, string> = {}): string[] {
  return issues.map((i) => {
    const key = i.path.map(String).join('.');
    const own = i.code === 'custom' ? (i.params as { fix?: string } | undefined)?.fix : undefined;
    const fix = own ?? fixes[key] ?? fixes[key.replace(/\.\d+(?=\.|$)/g, '')];
    let msg = i.message;
    if (i.code === 'unrecognized_keys') msg = `unknown field(s) ${i.keys.map((k) => `"${k}"`).join(', ')}: remove them or check the spelling`;
    if (i.code === 'invalid_type' && /received undefined/.test(i.message)) msg = 'is required';
    return `  ${jsonPath(i.path)}: ${msg}${fix ? ` — ${fix}` : ''}`;
  });
}
