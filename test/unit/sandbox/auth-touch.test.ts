/** touchAccount keeps its statements per database: each database answers for its own accounts. */
import { describe, expect, it } from 'vitest';
import { DEMO_ACCOUNT, touchAccount, upsertAccounts } from '../../../main/sandbox/auth';
import { openSandboxDb } from '../../../main/sandbox/db';

describe('touchAccount', () => {
  it('returns the account as it was before this request and records the request time, per database', () => {
    const a = openSandboxDb(':memory:');
    const b = openSandboxDb(':memory:');
    upsertAccounts(a, [DEMO_ACCOUNT], '2025-01-01T00:00:00.000Z');
    upsertAccounts(b, [{ ...DEMO_ACCOUNT, clientId: 'other' }], '2025-01-01T00:00:00.000Z');
    expect(touchAccount(a, DEMO_ACCOUNT.clientId, '2025-01-02T00:00:00.000Z')).toMatchObject({ client_id: DEMO_ACCOUNT.clientId, last_used_at: null });
    expect(touchAccount(a, DEMO_ACCOUNT.clientId, '2025-01-03T00:00:00.000Z')?.last_used_at).toBe('2025-01-02T00:00:00.000Z');
    expect(touchAccount(b, DEMO_ACCOUNT.clientId, '2025-01-03T00:00:00.000Z')).toBeNull();
    expect(touchAccount(b, 'other', '2025-01-04T00:00:00.000Z')?.last_used_at).toBeNull();
    expect(touchAccount(b, 'other', '2025-01-05T00:00:00.000Z')?.last_used_at).toBe('2025-01-04T00:00:00.000Z');
    expect(touchAccount(a, DEMO_ACCOUNT.clientId, '2025-01-06T00:00:00.000Z')?.last_used_at).toBe('2025-01-03T00:00:00.000Z');
    a.close();
    b.close();
  });
});
