// The demo's write load: a light, steady stream of shop transactions on the source (new orders with
// their items, payments, shipping, refunds, customer and stock updates, occasional deletes, inventory
// events and audit rows), so the stream has something to follow. One connection, one transaction at a
// time, paced to `tps`. It never gives up: a lost connection (the source restarting) is reopened with
// backoff, a deadlock or lock timeout is retried, any other error (the shop being recreated) is logged
// and the load goes on.
import type { Connection } from '../mysql/connection.js';
import { connect, parseMysqlUrl } from '../mysql/connection.js';
import { quoteId } from '../mysql/identifiers.js';
import { ACTIONS, FIRST_NAMES, LAST_NAMES, SHOP_DB } from './shop-data.js';
import { prng } from './prng.js';
import { sleepUnlessAborted as sleep } from '../core/sleep.js';

export interface WriteLoadOptions {
  url: string;
  /** Transactions per second (default 20). */
  tps?: number;
  database?: string;
  /** Seed of the random choices (default: from the clock). */
  seed?: number;
  /** Stops the load after the transaction in flight. */
  signal: AbortSignal;
  log?: (line: string) => void;
  /** How often a summary line is logged (default 10 s; 0: never). */
  reportEveryMs?: number;
}

export interface WriteLoadStats {
  transactions: number;
  retries: number;
  failures: number;
  reconnects: number;
  byKind: Record<string, number>;
}


const RETRYABLE = new Set([1213 /* deadlock */, 1205 /* lock wait timeout */]);
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'PROTOCOL_CONNECTION_LOST', 'ER_SERVER_SHUTDOWN', 'ER_CONNECTION_KILLED']);
const CONNECTION_ERRNOS = new Set([1053, 1927, 2006, 2013]);

type ErrorLike = { code?: string; errno?: number; fatal?: boolean; message?: string };

function isConnectionError(e: ErrorLike): boolean {
  return !!e.fatal || CONNECTION_CODES.has(e.code ?? '') || CONNECTION_ERRNOS.has(e.errno ?? 0) || /closed state|connection.*(lost|closed)/i.test(e.message ?? '');
}



interface Ranges {
  maxCustomer: number;
  maxProduct: number;
  maxOrder: number;
  maxEvent: number;
}

/** One kind of transaction: statements run inside BEGIN … COMMIT. */
type Txn = (c: Connection, r: () => number, ranges: Ranges) => Promise<void>;

const int = (r: () => number, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
const oneOf = <T>(r: () => number, items: readonly T[]): T => items[Math.floor(r() * items.length)]!;

const newOrder: Txn = async (c, r, g) => {
  const customer = int(r, 1, g.maxCustomer);
  const [res] = await c.query(
    `INSERT INTO orders (customer_id, status, total, currency, shipping, note, placed_at)
     VALUES (?, 'pending', 0, ?, JSON_OBJECT('city', ?, 'zip', ?, 'express', JSON_EXTRACT(?, '$'), 'items', ?), ?, NOW(6))`,
    [customer, oneOf(r, ['EUR', 'EUR', 'USD', 'GBP', 'SEK']), oneOf(r, ['Lyon', 'Göteborg', 'Łódź', 'Kyōto', 'Porto', 'Kraków']), String(int(r, 10000, 99999)), r() < 0.2 ? 'true' : 'false', 0, r() < 0.1 ? 'Geschenkverpackung, bitte 🎁' : null],
  );
  const orderId = (res as { insertId: number | string }).insertId;
  const items = int(r, 1, 4);
  for (let i = 1; i <= items; i++) {
    const product = int(r, 1, g.maxProduct);
    const qty = int(r, 1, 3);
    await c.query(
      `INSERT INTO order_items (order_id, \`index\`, product_id, quantity, unit_price, discount_pct)
       SELECT ?, ?, id, ?, price, ? FROM products WHERE id = ?`,
      [orderId, i, qty, r() < 0.15 ? '10.00' : '0.00', product],
    );
    await c.query('UPDATE products SET stock = stock - ? WHERE id = ?', [qty, product]);
    await c.query("INSERT INTO inventory_events (product_id, delta, reason, created_at) VALUES (?, ?, 'sale', NOW(6))", [product, -qty]);
  }
  await c.query(
    `UPDATE orders SET total = (SELECT COALESCE(SUM(ROUND(quantity * unit_price * (100 - discount_pct) / 100, 2)), 0) FROM order_items WHERE order_id = ?),
       shipping = JSON_SET(shipping, '$.items', (SELECT COUNT(*) FROM order_items WHERE order_id = ?)) WHERE id = ?`,
    [orderId, orderId, orderId],
  );
  await c.query("INSERT INTO audit_log (`at`, actor, action, `table`, row_id, detail) VALUES (NOW(6), 'checkout', 'create', 'orders', ?, JSON_OBJECT('items', ?))", [orderId, items]);
  g.maxOrder = Math.max(g.maxOrder, Number(orderId));
};

const pay: Txn = async (c, r) => {
  const [rows] = await c.query("SELECT id, total FROM orders WHERE status = 'pending' ORDER BY placed_at DESC LIMIT 1 OFFSET ?", [int(r, 0, 5)]);
  const order = (rows as { id: string; total: string }[])[0];
  if (!order) return;
  const failed = r() < 0.05;
  await c.query(
    `INSERT INTO payments (order_id, method, status, amount, provider_ref, flags, paid_at, created_at)
     VALUES (?, ?, ?, ?, UNHEX(MD5(CONCAT('live-', ?, '-', RAND()))), ?, IF(? = 'captured', NOW(6), NULL), NOW(6))`,
    [order.id, oneOf(r, ['card', 'card', 'paypal', 'bank_transfer', 'gift_card']), failed ? 'failed' : 'captured', order.total, order.id, int(r, 0, 255), failed ? 'failed' : 'captured'],
  );
  if (!failed) await c.query("UPDATE orders SET status = 'paid' WHERE id = ?", [order.id]);
};

const ship: Txn = async (c, r) => {
  if (r() < 0.5) await c.query("UPDATE orders SET status = 'shipped' WHERE status = 'paid' ORDER BY placed_at LIMIT 2");
  else await c.query("UPDATE orders SET status = 'delivered' WHERE status = 'shipped' ORDER BY placed_at LIMIT 2");
};

const refund: Txn = async (c, r, g) => {
  const id = int(r, 1, g.maxOrder);
  const [res] = await c.query("UPDATE orders SET status = 'refunded' WHERE id = ? AND status = 'delivered'", [id]);
  if ((res as { affectedRows: number }).affectedRows === 0) return;
  await c.query("UPDATE payments SET status = 'refunded', flags = flags | 128 WHERE order_id = ?", [id]);
  await c.query(
    "INSERT INTO inventory_events (product_id, delta, reason, note, created_at) SELECT product_id, quantity, 'return', 'Rücksendung', NOW(6) FROM order_items WHERE order_id = ?",
    [id],
  );
};

const updateCustomer: Txn = async (c, r, g) => {
  const id = int(r, 1, g.maxCustomer);
  if (r() < 0.5) {
    await c.query('UPDATE customers SET tier = ?, preferences = ? WHERE id = ?', [oneOf(r, ['bronze', 'silver', 'gold', 'platinum']), int(r, 0, 15), id]);
  } else {
    await c.query('UPDATE customers SET full_name = ?, is_active = ? WHERE id = ?', [`${oneOf(r, FIRST_NAMES)} ${oneOf(r, LAST_NAMES)}`, r() < 0.9 ? 1 : 0, id]);
  }
};

const newCustomer: Txn = async (c, r, g) => {
  const [res] = await c.query(
    `INSERT INTO customers (email, full_name, country, tier, preferences, password_hash, created_at)
     VALUES (CONCAT('new', UUID_SHORT(), '@example.org'), ?, ?, 'bronze', ?, UNHEX(SHA2(RAND(), 256)), NOW(6))`,
    [`${oneOf(r, FIRST_NAMES)} ${oneOf(r, LAST_NAMES)}`, oneOf(r, ['DE', 'FR', 'PL', 'JP', 'BR']), int(r, 0, 15)],
  );
  g.maxCustomer = Math.max(g.maxCustomer, Number((res as { insertId: number | string }).insertId));
};

const restock: Txn = async (c, r, g) => {
  const id = int(r, 1, g.maxProduct);
  const qty = int(r, 20, 100);
  await c.query(
    "UPDATE products SET stock = stock + ?, price = ROUND(price * ?, 2), attributes = JSON_SET(attributes, '$.restocked', DATE_FORMAT(NOW(), '%Y-%m-%d')) WHERE id = ?",
    [qty, r() < 0.5 ? '1.02' : '0.98', id],
  );
  await c.query("INSERT INTO inventory_events (product_id, delta, reason, note, created_at) VALUES (?, ?, 'restock', 'Lieferung eingetroffen', NOW(6))", [id, qty]);
  await c.query("INSERT INTO audit_log (`at`, actor, action, `table`, row_id, detail) VALUES (NOW(6), 'system', ?, 'products', ?, NULL)", [oneOf(r, ACTIONS), id]);
};

/** Deletes: an old order with its items and payments, an inventory event, or the oldest audit rows (a table without a key). */
const purge: Txn = async (c, r, g) => {
  const what = r();
  if (what < 0.5) {
    const id = int(r, 1, Math.max(1, Math.floor(g.maxOrder / 2)));
    await c.query('DELETE FROM order_items WHERE order_id = ?', [id]);
    await c.query('DELETE FROM payments WHERE order_id = ?', [id]);
    await c.query('DELETE FROM orders WHERE id = ?', [id]);
  } else if (what < 0.8) {
    await c.query('DELETE FROM inventory_events WHERE id = ?', [int(r, 1, g.maxEvent)]);
  } else {
    await c.query('DELETE FROM audit_log ORDER BY `at` LIMIT 2');
  }
};

const MIX: [number, string, Txn][] = [
  [35, 'new order', newOrder],
  [22, 'payment', pay],
  [14, 'shipping', ship],
  [3, 'refund', refund],
  [9, 'customer update', updateCustomer],
  [4, 'new customer', newCustomer],
  [7, 'restock', restock],
  [6, 'delete', purge],
];
const MIX_TOTAL = MIX.reduce((a, [w]) => a + w, 0);

function choose(r: () => number): [string, Txn] {
  let x = r() * MIX_TOTAL;
  for (const [w, name, fn] of MIX) {
    if ((x -= w) < 0) return [name, fn];
  }
  return [MIX[0]![1], MIX[0]![2]];
}

async function readRanges(c: Connection): Promise<Ranges> {
  const [rows] = await c.query(
    `SELECT (SELECT COALESCE(MAX(id), 1) FROM customers) AS c, (SELECT COALESCE(MAX(id), 1) FROM products) AS p,
            (SELECT COALESCE(MAX(id), 1) FROM orders) AS o, (SELECT COALESCE(MAX(id), 1) FROM inventory_events) AS e`,
  );
  const row = (rows as Record<string, string | number>[])[0]!;
  return { maxCustomer: Number(row.c), maxProduct: Number(row.p), maxOrder: Number(row.o), maxEvent: Number(row.e) };
}

/** Runs the load until `signal` aborts; resolves with what it did. Never rejects. */
export async function runWriteLoad(o: WriteLoadOptions): Promise<WriteLoadStats> {
  const tps = Math.max(0.1, o.tps ?? 20);
  const interval = 1000 / tps;
  const db = o.database ?? SHOP_DB;
  const log = o.log ?? ((): void => undefined);
  const r = prng(o.seed ?? Date.now() % 2 ** 31);
  const stats: WriteLoadStats = { transactions: 0, retries: 0, failures: 0, reconnects: 0, byKind: {} };
  const { signal } = o;
  let conn: Connection | null = null;
  let ranges: Ranges | null = null;
  let backoff = 500;
  let lastError = '';
  let lastErrorAt = 0;
  const logError = (what: string): void => {
    // The same message at most every 10 s (a stopped source would otherwise fill the log).
    if (what !== lastError || Date.now() - lastErrorAt > 10_000) log(`write load: ${what}`);
    lastError = what;
    lastErrorAt = Date.now();
  };
  const drop = (): void => {
    const c = conn;
    conn = null;
    ranges = null;
    c?.destroy();
  };

  const reportEvery = o.reportEveryMs ?? 10_000;
  let reported = { at: Date.now(), n: 0 };
  const report = reportEvery > 0 ? setInterval(() => {
    const now = Date.now();
    const rate = ((stats.transactions - reported.n) * 1000) / (now - reported.at);
    log(`write load: ${stats.transactions} transactions (${rate.toFixed(1)}/s), ${stats.retries} retried, ${stats.failures} failed, ${stats.reconnects} reconnects`);
    reported = { at: now, n: stats.transactions };
  }, reportEvery) : null;
  report?.unref();

  log(`write load: ${tps} transactions/s on ${db} (stop with Ctrl-C or SIGTERM)`);
  let next = Date.now();
  try {
    while (!signal.aborted) {
      try {
        if (!conn) {
          const c = await connect(parseMysqlUrl(o.url), ['SET NAMES utf8mb4', 'SET SESSION innodb_lock_wait_timeout = 5']);
          c.on('error', () => {
            if (conn === c) drop();
          });
          conn = c;
          if (stats.transactions > 0 || stats.failures > 0) {
            stats.reconnects++;
            log('write load: connected again');
          }
        }
        if (!ranges) {
          await conn.query(`USE ${quoteId(db)}`);
          ranges = await readRanges(conn);
        }
        const [kind, txn] = choose(r);
        for (let attempt = 1; ; attempt++) {
          await conn.query('BEGIN');
          try {
            await txn(conn, r, ranges);
            await conn.query('COMMIT');
            break;
          } catch (e) {
            await conn?.query('ROLLBACK').catch(() => undefined);
            if (RETRYABLE.has((e as ErrorLike).errno ?? 0) && attempt < 5 && !signal.aborted) {
              stats.retries++;
              await sleep(20 * attempt, signal);
              continue;
            }
            throw e;
          }
        }
        stats.transactions++;
        stats.byKind[kind] = (stats.byKind[kind] ?? 0) + 1;
        backoff = 500;
      } catch (e) {
        const err = e as ErrorLike;
        stats.failures++;
        if (!conn || isConnectionError(err) || /connect/i.test(err.message ?? '')) {
          drop();
          logError(`source unreachable (${err.message ?? String(e)}); retrying in ${(backoff / 1000).toFixed(1)} s`);
        } else {
          // E.g. the shop being dropped and created again: read the id ranges again once it is back.
          ranges = null;
          logError(`${err.message ?? String(e)}; going on in ${(backoff / 1000).toFixed(1)} s`);
        }
        await sleep(backoff, signal);
        backoff = Math.min(backoff * 2, 5000);
        next = Date.now();
        continue;
      }
      next += interval;
      const now = Date.now();
      // Behind by more than a second (a slow moment): carry on at the normal pace, no burst.
      if (next < now - 1000) next = now;
      await sleep(next - now, signal);
    }
  } finally {
    if (report) clearInterval(report);
    const c = conn as Connection | null;
    conn = null;
    if (c) await Promise.race([c.end().catch(() => c.destroy()), new Promise((res) => setTimeout(res, 2000).unref())]);
    log(`write load: stopped after ${stats.transactions} transactions (${Object.entries(stats.byKind).map(([k, n]) => `${k} ${n}`).join(', ')})`);
  }
  return stats;
}
