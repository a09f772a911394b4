/**
 * Table names with a schema (PostgreSQL) or database (MySQL/MariaDB) before a dot: split and quoted
 * part by part, refused on SQLite and where malformed; the job form accepts the same names. And the
 * one-period rule for causes quoted in failure messages.
 */
import { describe, expect, it } from 'vitest';
import { emptyDraft, validateDraft, type JobDraft } from '../../../renderer/jobs/draft';
import { sentence } from '../../../main/engine/sync/export/errors';
import { DIALECTS } from '../../../main/engine/sync/export/writers';
import { parseTableName, quoteTable } from '../../../main/engine/sync/export/writers/sql-dialects';

describe('parseTableName', () => {
  it('splits schema.table (PostgreSQL) and database.table (MySQL) and quotes each part on its own', () => {
    const pg = parseTableName(DIALECTS.postgres, 'qa_export.submissions');
    expect(pg).toEqual({ schema: 'qa_export', name: 'submissions' });
    expect(quoteTable(DIALECTS.postgres, pg)).toBe('"qa_export"."submissions"');
    expect(quoteTable(DIALECTS.mysql, parseTableName(DIALECTS.mysql, 'bi.subs'))).toBe('`bi`.`subs`');
    expect(quoteTable(DIALECTS.postgres, parseTableName(DIALECTS.postgres, 'we"ird.t'))).toBe('"we""ird"."t"');
    expect(parseTableName(DIALECTS.sqlite, 'plain')).toEqual({ schema: null, name: 'plain' });
  });

  it('refuses a dot on SQLite, a second dot, an empty part, and an over-long part', () => {
    expect(() => parseTableName(DIALECTS.sqlite, 'qa.subs')).toThrow('The table name "qa.subs" contains a dot, but SQLite has no schemas to put a table in. Use a name without a dot, e.g. "qa_subs".');
    expect(() => parseTableName(DIALECTS.postgres, 'a.b.c')).toThrow('The table name "a.b.c" has more than one dot. Give schema.table, or just the table name.');
    expect(() => parseTableName(DIALECTS.mysql, '.t')).toThrow('The table name ".t" has nothing before its dot. Give database.table, or just the table name.');
    expect(() => parseTableName(DIALECTS.postgres, 's.')).toThrow(/nothing after its dot/);
    expect(() => parseTableName(DIALECTS.postgres, `${'s'.repeat(64)}.t`)).toThrow(/The schema name "s+…" is longer than PostgreSQL allows \(63 bytes\)/);
    // Each part has its own limit: two long parts together are fine.
    expect(parseTableName(DIALECTS.postgres, `${'s'.repeat(60)}.${'t'.repeat(60)}`).name).toHaveLength(60);
  });
});

describe('sentence', () => {
  it('ends a quoted cause with exactly one period', () => {
    expect(sentence('invalid input syntax')).toBe('invalid input syntax.');
    expect(sentence('The batch was rolled back.')).toBe('The batch was rolled back.');
    expect(sentence('trailing space. ')).toBe('trailing space.');
    expect(sentence('is it?')).toBe('is it?');
    expect(sentence('and so on...')).toBe('and so on...');
  });
});

describe('the job form’s table name', () => {
  const draft = (database: JobDraft['export']['database'], table: string): JobDraft => {
    const d = emptyDraft('UTC');
    return {
      ...d,
      name: 'Out',
      type: 'export',
      connectionId: 'c1',
      export: { ...d.export, dataset: 'submissions', destination: 'database', database, file: '/srv/bi.sqlite', dbName: 'bi', user: 'esg', table },
    };
  };

  it('accepts one schema or database prefix, as a job made by the CLI has it', () => {
    expect(validateDraft(draft('postgres', 'qa_export.submissions')).table).toBeUndefined();
    expect(validateDraft(draft('mysql', 'reporting.submissions')).table).toBeUndefined();
    expect(validateDraft(draft('postgres', 'submissions')).table).toBeUndefined();
  });

  it('refuses two dots, empty parts and a dot on SQLite, saying what is allowed', () => {
    expect(validateDraft(draft('postgres', 'a.b.c')).table).toBe('Give the table name (at most 63 characters), optionally after a schema name and one dot, e.g. analytics.submissions, with no space next to the dot.');
    expect(validateDraft(draft('mysql', 'reporting. subs')).table).toBe('Give the table name (at most 63 characters), optionally after a database name and one dot, e.g. reporting.submissions, with no space next to the dot.');
    expect(validateDraft(draft('postgres', '.subs')).table).toMatch(/optionally after a schema name/);
    expect(validateDraft(draft('postgres', `${'s'.repeat(64)}.t`)).table).toMatch(/at most 63/);
    expect(validateDraft(draft('sqlite', 'qa.subs')).table).toBe('SQLite has no schemas: give the table name without a dot (at most 63 characters).');
  });

  it('takes the names the CLI takes: spaces and capitals are quoted by the agent, so a CLI-made job stays editable', () => {
    expect(validateDraft(draft('postgres', 'qaexport.ESG Submissions')).table).toBeUndefined();
    expect(validateDraft(draft('mysql', 'ESG Report Table')).table).toBeUndefined();
  });
});
