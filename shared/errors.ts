// An error the operator can act on: what is wrong, and the SQL or setting that fixes it.
export class CutoverError extends Error {
  constructor(
    message: string,
    readonly fix?: string,
    readonly code = 'CUTOVER',
  ) {
    super(message);
    this.name = 'CutoverError';
  }
}

/** One line (or two) for a human: the message and its fix; never a stack trace. */
export function formatError(e: unknown): string {
  if (e instanceof CutoverError) return e.fix ? `${e.message}\n  Fix: ${e.fix}` : e.message;
  const err = e as { code?: string; sqlMessage?: string; message?: string };
  if (err?.sqlMessage) return `${err.code ?? 'SQL error'}: ${err.sqlMessage}`;
  return err?.message ?? String(e);
}
