/**
 * The job config schema reads configs saved (or exported) before a setting existed: an old
 * config must keep working, with the new setting at the value that changes nothing.
 */
import { describe, expect, it } from 'vitest';
import { JobConfig } from '../../../shared/jobs';

describe('JobConfig', () => {
  it('reads a config without a catch-up choice as "default" (follow the agent\'s setting)', () => {
    const old = { schedule: '0 6 * * *', timezone: 'Europe/London', onFileArrival: false, export: { dataset: 'submissions', destination: { kind: 'folder', path: '/srv/out' } } };
    const parsed = JobConfig.parse(old);
    expect(parsed.catchUp).toBe('default');
    expect(parsed).toMatchObject({ schedule: '0 6 * * *', timezone: 'Europe/London', export: { dataset: 'submissions' } });
    expect(JobConfig.parse({}).catchUp).toBe('default');
  });

  it("keeps a job's own choice and refuses anything else", () => {
    for (const catchUp of ['default', 'run-once', 'skip'] as const) expect(JobConfig.parse({ catchUp }).catchUp).toBe(catchUp);
    const bad = JobConfig.safeParse({ catchUp: 'always' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['catchUp']);
    expect(JobConfig.safeParse({ catchUp: null }).success).toBe(false);
  });
});
