// Who asks for something (a skip, a switch): user@host, for records another operator reads later.
import { hostname, userInfo } from 'node:os';

export function operatorName(): string {
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    user = process.env.USER ?? 'unknown'; // a container without a passwd entry
  }
  return `${user}@${hostname()}`;
}
