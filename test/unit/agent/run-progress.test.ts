import { describe, expect, it } from 'vitest';
import { followRunProgress, progressLine } from '../../../main/agent/run-progress';

const progress = (runId: number, read: number, extra: Partial<Parameters<typeof progressLine>[0]> = {}) => ({
  runId,
  jobId: 'job_1',
  read,
  sent: 0,
  accepted: 0,
  rejected: 0,
  bytes: 0,
  totalBytes: null,
  rowsPerSecond: 0,
  etaSeconds: null,
  ...extra,
});

describe('run --wait progress', () => {
  it('says rows, share of the file, rate and time left in words', () => {
    expect(progressLine(progress(7, 12_500, { sent: 12_000, accepted: 11_990, rejected: 10, bytes: 500, totalBytes: 2000, rowsPerSecond: 4100.4, etaSeconds: 130 }))).toBe(
      'Run #7: read 12,500 rows, sent 12,000, accepted 11,990, rejected 10, 25% of the file read, 4,100 rows/s, about 3 min left',
    );
    // With the engine's share (reading, then sending) the line says how much of the run is done.
    expect(progressLine(progress(7, 12_500, { sent: 12_000, accepted: 11_990, bytes: 2000, totalBytes: 2000, share: 0.7349 }))).toBe(
      'Run #7: read 12,500 rows, sent 12,000, accepted 11,990, rejected 0, 73% done',
    );
    expect(progressLine(progress(7, 3))).toBe('Run #7: read 3 rows');
    expect(progressLine(progress(7, 1))).toBe('Run #7: read 1 row');
    expect(progressLine(progress(8, 1), true)).toBe('Run #8: exported 1 row');
  });

  it('says an export run wrote its rows, not that it sent or had them accepted', () => {
    const lines: string[] = [];
    const f = followRunProgress('BI export', { write: (s) => lines.push(s), isTTY: false }, { everyMs: 0, now: () => 1000 });
    f.onEvent('run.started', { id: 11, jobId: 'job_2', jobName: 'BI export', jobType: 'export' });
    f.onEvent('run.progress', progress(11, 1_200, { jobId: 'job_2', accepted: 1_200, rowsPerSecond: 600 }));
    expect(lines).toEqual(['Run #11: exported 1,200 rows, 600 rows/s\n']);
  });

  it("follows only the named job's runs, by id or name, and throttles lines in a log", () => {
    const lines: string[] = [];
    let t = 0;
    const f = followRunProgress('Daily values', { write: (s) => lines.push(s), isTTY: false }, { everyMs: 1000, now: () => t });
    f.onEvent('run.started', { id: 9, jobId: 'job_other', jobName: 'Other job' });
    f.onEvent('run.started', { id: 10, jobId: 'job_1', jobName: 'Daily values' });
    t = 5000;
    f.onEvent('run.progress', progress(9, 100, { jobId: 'job_other' }));
    f.onEvent('run.progress', progress(10, 200));
    t = 5500;
    f.onEvent('run.progress', progress(10, 300));
    t = 6100;
    f.onEvent('run.progress', progress(10, 400));
    f.done();
    expect(lines).toEqual(['Run #10: read 200 rows\n', 'Run #10: read 400 rows\n']);
  });

  it('rewrites one line on a terminal and clears it when done', () => {
    const out: string[] = [];
    const f = followRunProgress('job_1', { write: (s) => out.push(s), isTTY: true }, { everyMs: 0, now: () => 1 });
    f.onEvent('run.progress', progress(3, 50));
    f.done();
    expect(out).toEqual(['\r\x1b[2KRun #3: read 50 rows', '\r\x1b[2K']);
  });
});
