// Who runs an operation, as reports and step records name them.
import { hostname, userInfo } from 'node:os';

/** "alice@laptop" (the user name may be unknown in some containers: then $USER, else "unknown"). */
export function operatorName(): string {
  let user = process.env.USER ?? 'unknown';
  try {
    user = userInfo().username;
  } catch {
    /* no passwd entry */
  }
  return `${user}@${hostname()}`;
}
