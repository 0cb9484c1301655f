// A writer on the source for the cutover tests: inserts an order every 20 ms as one account until it is
// stopped or its session fails (read-only, or killed), counting what committed.
import mysql from 'mysql2/promise';
import { sourceUrl } from './db.js';
import { sleep } from './stream.js';

export class OrderWriter {
  conn: mysql.Connection | null = null;
  /** The session's connection id (what the freeze step names and kills). */
  id = 0;
  committed = 0;
  error: { errno?: number; message: string } | null = null;
  private stopping = false;
  private loop: Promise<void> | null = null;
  /** `user`'s password is "pw"; `db` holds the `orders` table. */
  constructor(
    private readonly user: string,
    private readonly db: string,
  ) {}
  async start(): Promise<void> {
    const u = new URL(sourceUrl());
    this.conn = await mysql.createConnection({ host: u.hostname, port: Number(u.port), user: this.user, password: 'pw', database: this.db });
    const [rows] = await this.conn.query('SELECT CONNECTION_ID() AS id');
    this.id = Number((rows as { id: number }[])[0]!.id);
    this.loop = (async () => {
      while (!this.stopping) {
        try {
          await this.conn!.query('INSERT INTO orders (amount) VALUES (?)', [(this.committed % 97) + 0.5]);
          this.committed++;
        } catch (e) {
          this.error = { errno: (e as { errno?: number }).errno, message: (e as Error).message };
          return;
        }
        await sleep(20);
      }
    })();
  }
  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
    await this.conn?.end().catch(() => undefined);
  }
}
