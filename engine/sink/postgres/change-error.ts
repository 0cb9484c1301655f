// A row change the PostgreSQL sink refused: which change, from which source transaction or message, the
// statement and the server's message (code SINK_ROW: the job pauses, nothing of the batch is kept).
import { CutoverError } from '../../../shared/errors.js';
import { transactionLabel, type BinlogTransaction, type MessageChanges, type RowChange, type TransactionPiece } from '../../core/changes.js';

/** A change the sink refused: which one, the statement, and the server's message. */
export class PgChangeError extends CutoverError {
  constructor(
    change: RowChange,
    statement: string,
    /** The transaction or message the change came from (a partitioned source's offset target names the message). */
    readonly tx: BinlogTransaction | TransactionPiece | MessageChanges,
    reason: string,
  ) {
    const sql = statement.length > 1500 ? statement.slice(0, 1500) + ' …' : statement;
    super(
      `The PostgreSQL sink refused ${change.type === 'insert' ? 'an' : 'a'} ${change.type} on ${change.db}.${change.table} from ${transactionLabel(tx)}: ${reason}\n  statement: ${sql}`,
      'Nothing of this transaction or message (nor of those grouped with it in the same sink transaction) was applied and the job is paused. Correct the sink (for example remove the row that conflicts, or the constraint), then run the same job again: the transaction is retried.',
      'SINK_ROW',
    );
  }
}
