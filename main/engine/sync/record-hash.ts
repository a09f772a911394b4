import * as crypto from 'node:crypto';
import { createHash } from 'node:crypto';

// crypto.hash (Node ≥ 20.12) hashes in one call, without a Hash object per row.
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;

/** SHA-256 of a staged record's canonical JSON, in hex: the ledger's content hash. */
export const sha256: (text: string) => string = oneShot ? (text) => oneShot('sha256', text, 'hex') : (text) => createHash('sha256').update(text).digest('hex');
