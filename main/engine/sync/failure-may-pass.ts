/**
 * Whether a run's failure can pass on its own — the platform or a database down for a while, a
 * lock held by someone else — so trying again in a few minutes is worth it; a wrong setting, a
 * refused secret or a missing table fails the same way every time and waits for a person.
 */
import { PlatformError } from '../platforms/errors';
import { DatabaseSourceError } from '../sources/errors';
import { storeFaultOf } from '../store-faults';

// Network, lock and "server busy" codes of Node, SQLite, PostgreSQL (SQLSTATE) and MySQL/MariaDB.
const PASSING_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'EPIPE',
  'EBUSY',
  'EAGAIN',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  '57P01', // admin_shutdown
  '57P03', // cannot_connect_now (starting up)
  '53300', // too_many_connections
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_LOCK_DEADLOCK',
  'ER_CON_COUNT_ERROR',
  'PROTOCOL_CONNECTION_LOST',
]);

export function failureMayPass(err: unknown): boolean {
  let cur: unknown = err;
  for (let depth = 0; depth < 6 && cur !== null && cur !== undefined; depth++) {
    if (cur instanceof PlatformError) return cur.retryable;
    if (cur instanceof DatabaseSourceError) return cur.code === 'CONNECTION_FAILED' || cur.code === 'LOCK_TIMEOUT';
    // A full disk gets cleared, a lock released; a read-only mount or an I/O error waits for a person.
    const fault = storeFaultOf(cur);
    if (fault === 'full' || fault === 'locked') return true;
    if (cur instanceof AggregateError && cur.errors.some((e) => failureMayPass(e))) return true;
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && PASSING_CODES.has(code)) return true;
    cur = (cur as { cause?: unknown }).cause;
  }
  return false;
}
