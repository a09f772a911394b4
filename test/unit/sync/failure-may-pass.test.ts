import { expect, it } from 'vitest';
import { PlatformError } from '../../../main/engine/platforms/errors';
import { DatabaseSourceError } from '../../../main/engine/sources/errors';
import { ExportError } from '../../../main/engine/sync/export/errors';
import { failureMayPass } from '../../../main/engine/sync/failure-may-pass';

const errno = (code: string) => Object.assign(new Error(code), { code });

it('a platform outage, rate limit or timeout may pass; a refused secret or a bad request will not', () => {
  expect(failureMayPass(new PlatformError({ code: 'server', status: 503, message: 'down' }))).toBe(true);
  expect(failureMayPass(new PlatformError({ code: 'rate_limited', status: 429, message: 'slow down' }))).toBe(true);
  expect(failureMayPass(new PlatformError({ code: 'connect', message: 'refused' }))).toBe(true);
  expect(failureMayPass(new PlatformError({ code: 'invalid_client', status: 401, message: 'wrong secret' }))).toBe(false);
  expect(failureMayPass(new PlatformError({ code: 'server', status: 501, message: 'not implemented' }))).toBe(false);
});

it('a database out of reach or a lock may pass; a missing table or a wrong password will not', () => {
  expect(failureMayPass(new DatabaseSourceError('CONNECTION_FAILED', 'down'))).toBe(true);
  expect(failureMayPass(new DatabaseSourceError('LOCK_TIMEOUT', 'locked'))).toBe(true);
  expect(failureMayPass(new DatabaseSourceError('TABLE_NOT_FOUND', 'gone'))).toBe(false);
  expect(failureMayPass(new DatabaseSourceError('AUTH_FAILED', 'password'))).toBe(false);
});

it('looks through an export error to its cause', () => {
  expect(failureMayPass(new ExportError('destination_failed', 'cannot reach', { cause: errno('ECONNREFUSED') }))).toBe(true);
  expect(failureMayPass(new ExportError('destination_failed', 'locked', { cause: errno('ER_LOCK_WAIT_TIMEOUT') }))).toBe(true);
  expect(failureMayPass(new ExportError('export_failed', 'platform', { cause: new PlatformError({ code: 'timeout', message: 't' }) }))).toBe(true);
  expect(failureMayPass(new ExportError('destination_failed', 'no such folder'))).toBe(false);
  expect(failureMayPass(new ExportError('destination_failed', 'table has no key', { cause: errno('42703') }))).toBe(false);
  expect(failureMayPass(new AggregateError([errno('EHOSTUNREACH'), errno('ECONNREFUSED')]))).toBe(true);
});

it("the agent's own disk full or store locked may pass; read-only or I/O errors wait for a person", () => {
  expect(failureMayPass(errno('SQLITE_FULL'))).toBe(true);
  expect(failureMayPass(errno('SQLITE_BUSY'))).toBe(true);
  expect(failureMayPass(errno('SQLITE_READONLY'))).toBe(false);
  expect(failureMayPass(errno('EIO'))).toBe(false);
  expect(failureMayPass('a string')).toBe(false);
});
