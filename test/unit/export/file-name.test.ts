import { describe, expect, it } from 'vitest';
import { ExportError } from '../../../main/engine/sync/export/errors';
import { DEFAULT_FILE_PATTERN, expandFilePattern, validateFilePattern } from '../../../main/engine/sync/export/file-name';
import { patternWithExt } from '../../../shared/jobs';

const now = new Date(Date.UTC(2024, 2, 5, 7, 8, 9));

describe('file name patterns', () => {
  it('expands dataset, job, ext and date tokens', () => {
    expect(expandFilePattern('{dataset}-{date}.csv', { dataset: 'submissions', ext: 'csv', now, utc: true })).toBe('submissions-2024-03-05.csv');
    expect(expandFilePattern('{job}_{yyyy}{mm}{dd}-{hh}{MM}{ss}.{ext}', { dataset: 'd', job: 'nightly', ext: 'xlsx', now, utc: true })).toBe(
      'nightly_20240305-070809.xlsx',
    );
    expect(expandFilePattern(DEFAULT_FILE_PATTERN, { dataset: 'footprints', ext: 'ndjson', now, utc: true })).toBe('footprints-20240305-070809.ndjson');
  });

  it('uses local time unless utc is asked for', () => {
    const local = expandFilePattern('{hh}', { dataset: 'd', ext: 'csv', now });
    expect(local).toBe(String(now.getHours()).padStart(2, '0'));
  });

  it("names the file by the job's time zone: 02:00 in Tokyo is already tomorrow there, and 23:30 in New York is still yesterday", () => {
    const late = new Date(Date.UTC(2024, 2, 4, 17, 30, 0)); // 02:30 on 5 March in Tokyo
    expect(expandFilePattern('{date}-{time}.csv', { dataset: 'd', ext: 'csv', now: late, timeZone: 'Asia/Tokyo' })).toBe('2024-03-05-023000.csv');
    expect(expandFilePattern('{date}-{time}.csv', { dataset: 'd', ext: 'csv', now: late, timeZone: 'America/New_York' })).toBe('2024-03-04-123000.csv');
    // Midnight is 00, never 24; utc wins over a zone.
    const midnight = new Date(Date.UTC(2024, 2, 4, 15, 0, 0)); // 00:00 on 5 March in Tokyo
    expect(expandFilePattern('{hh}{MM}.csv', { dataset: 'd', ext: 'csv', now: midnight, timeZone: 'Asia/Tokyo' })).toBe('0000.csv');
    expect(expandFilePattern('{date}.csv', { dataset: 'd', ext: 'csv', now: late, timeZone: 'Asia/Tokyo', utc: true })).toBe('2024-03-04.csv');
  });

  it.each(['../out.csv', 'sub/out.csv', 'sub\\out.csv', '..', 'a..b.csv', '/etc/passwd', '.hidden.csv', 'C:out.csv', 'a\u0000b', '', '{nope}.csv', '{dataset.csv'])(
    'rejects the unsafe or broken pattern %j',
    (pattern) => {
      expect(() => validateFilePattern(pattern)).toThrow(ExportError);
      expect(() => expandFilePattern(pattern, { dataset: 'd', ext: 'csv', now })).toThrow(/file name pattern/);
    },
  );

  it('makes substituted values safe, so a dataset or job name cannot add a path', () => {
    const name = expandFilePattern('{job}-{dataset}.csv', { dataset: '../../etc/passwd', job: 'a/b', ext: 'csv', now });
    expect(name).not.toMatch(/[/\\]/);
    expect(name).not.toContain('..');
    expect(name).toBe('a_b-____etc_passwd.csv');
  });
});

describe('patternWithExt', () => {
  it('adds the extension unless the pattern has {ext} or already ends with the format’s own', () => {
    expect(patternWithExt('latest', 'csv')).toBe('latest.{ext}');
    expect(patternWithExt('latest.csv', 'csv')).toBe('latest.csv');
    expect(patternWithExt('Latest.CSV', 'csv')).toBe('Latest.CSV');
    expect(patternWithExt('{dataset}.{ext}', 'xlsx')).toBe('{dataset}.{ext}');
    // Another format's extension is part of the name.
    expect(patternWithExt('latest.csv', 'xlsx')).toBe('latest.csv.{ext}');
    expect(patternWithExt('data.json', 'ndjson')).toBe('data.json.{ext}');
  });
});
