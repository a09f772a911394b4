export type ConnectionErrorCode = 'not_found' | 'conflict' | 'in_use' | 'invalid' | 'secrets';

/** A connection operation refused before or without touching the platform. */
export class ConnectionError extends Error {
  readonly code: ConnectionErrorCode;
  constructor(code: ConnectionErrorCode, message: string) {
    super(message);
    this.name = 'ConnectionError';
    this.code = code;
  }
}
