// A kafkajs socketFactory that makes a produce request's acknowledgement go missing: the broker receives
// and writes the batch, its answer is dropped with the connection, and every new connection is refused
// until the test lets the broker "come back" — what a producer sees when a broker stops right after
// writing a batch. Requests are matched to answers by correlation id (request: size, api key, version,
// correlation id; response: size, correlation id).
import net from 'node:net';
import type { ISocketFactory } from 'kafkajs';

const PRODUCE = 0;

export class AckLoss {
  private armed = false;
  private refusing = false;
  /** Produce answers dropped so far. */
  lost = 0;
  /** Connections refused while the broker was "away". */
  refused = 0;

  /** The next produce request's answer is lost, then connections are refused until release(). */
  arm(): void {
    this.armed = true;
  }

  release(): void {
    this.refusing = false;
  }

  readonly factory: ISocketFactory = ({ host, port, onConnect }) => {
    if (this.refusing) {
      this.refused++;
      const s = new net.Socket();
      setImmediate(() => s.destroy(Object.assign(new Error(`connect ECONNREFUSED ${host}:${port}`), { code: 'ECONNREFUSED' })));
      return s;
    }
    const socket = net.connect({ host, port }, onConnect);
    let produce: number | null = null;
    const write = socket.write.bind(socket) as (chunk: unknown, ...rest: unknown[]) => boolean;
    socket.write = ((chunk: unknown, ...rest: unknown[]): boolean => {
      if (this.armed && produce === null && Buffer.isBuffer(chunk) && chunk.length >= 12 && chunk.readInt16BE(4) === PRODUCE) produce = chunk.readInt32BE(8);
      return write(chunk, ...rest);
    }) as typeof socket.write;
    const emit = socket.emit.bind(socket) as (event: string | symbol, ...args: unknown[]) => boolean;
    socket.emit = ((event: string | symbol, ...args: unknown[]): boolean => {
      const data = args[0];
      if (event === 'data' && produce !== null && this.armed && Buffer.isBuffer(data) && data.length >= 8 && data.readInt32BE(4) === produce) {
        this.armed = false;
        this.refusing = true;
        this.lost++;
        socket.destroy(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
        return true;
      }
      return emit(event, ...args);
    }) as typeof socket.emit;
    return socket;
  };
}
