/**
 * `esg-sync run` exits 3 when a run failed because of the platform (down, slow, overloaded,
 * unreachable, refusing the credentials) and 2 for anything a person must fix here. Checked against
 * the messages the platform client really writes, so a reworded message cannot drift apart.
 */
import { describe, expect, it } from 'vitest';
import { EXIT, exitCodeForFailedRun } from '../../../main/agent/exit-codes';
import { fromHttpResponse, fromNetworkError } from '../../../main/engine/platforms/errors';
import { describeMysqlError } from '../../../main/engine/sources/database/mysql';
import { describePostgresError } from '../../../main/engine/sources/database/postgres';

const url = 'https://platform.example/v1/submissions:batch';
const http = (status: number, extra: { tokenEndpoint?: boolean; body?: string } = {}) =>
  fromHttpResponse({ status, method: 'POST', url, body: extra.body ?? '', contentType: 'text/plain', tokenEndpoint: extra.tokenEndpoint }).message;
const network = (code: string) => fromNetworkError(Object.assign(new Error(code), { code }), { method: 'POST', url }).message;

describe('exitCodeForFailedRun', () => {
  it.each([
    ['HTTP 500', http(500)],
    ['HTTP 502', http(502)],
    ['HTTP 503', http(503)],
    ['HTTP 429', http(429)],
    ['HTTP 504', http(504)],
    ['a refused client secret', http(401, { tokenEndpoint: true, body: '{"error":"invalid_client"}' })],
    ['a revoked token', http(401)],
    ['a missing permission', http(403)],
    ['a refused connection', network('ECONNREFUSED')],
    ['a reset connection', network('ECONNRESET')],
    ['a timeout', network('ETIMEDOUT')],
    ['an unknown host', network('ENOTFOUND')],
  ])('%s is the platform: 3', (_what, message) => {
    expect(exitCodeForFailedRun(message), message).toBe(EXIT.platform);
  });

  it.each([
    ['a request the platform calls invalid', http(400)],
    ['a missing item', http(404)],
    ['a file that cannot be read', "The file 'bills.csv' could not be read: it ended inside a quoted cell."],
    ['no error at all', null],
    ['a MySQL source refusing its password', describeMysqlError({ code: 'ER_ACCESS_DENIED_ERROR' }, { kind: 'mysql', user: 'meter' }).message],
    ['a PostgreSQL source refusing its password', describePostgresError({ code: '28P01' }, { kind: 'postgres', user: 'meter' }).message],
    ['a database source that cannot be reached', describePostgresError({ code: 'ECONNREFUSED' }, { kind: 'postgres', host: 'db.internal' }).message],
  ])('%s is for a person here: 2', (_what, message) => {
    expect(exitCodeForFailedRun(message)).toBe(EXIT.usage);
  });
});

it('a MySQL source refusing its user says how to enter the password again', () => {
  expect(describeMysqlError({ code: 'ER_ACCESS_DENIED_ERROR' }, { kind: 'mysql', user: 'meter' }).message).toContain('Enter the password again (Sources → Edit, or `esg-sync source edit --password-stdin`)');
});
