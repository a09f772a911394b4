import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import type { Params, Result } from '../../shared/api';
import { DEFAULT_LOCK_TIMEOUT_SECONDS, MAX_LOCK_TIMEOUT_SECONDS, MAX_LOOKBACK_IDS, MAX_LOOKBACK_SECONDS, RECOMMENDED_LOOKBACK_SECONDS, type DatabaseChanges, type DatabaseSettings, type SourceSettings } from '../../shared/contract/sources';
import { client } from '../bridge/client';
import { Card, ErrorState } from '../components/ui';
import { useAction } from '../hooks';
import { NOTHING_CHANGED, updateParams, useFormErrors, type OnSaved } from './changes';
import { Field, RowsTable } from './form';

type Kind = DatabaseSettings['kind'];
type Ssl = '' | NonNullable<DatabaseSettings['ssl']>;
type Settings = Params<'sources.testDatabase'>;
/** Where the source reads from, as the contract takes it (a password is added apart). */
type Location = Omit<Settings, 'password' | 'limit'>;
/** A database source being edited: its settings as loaded from the engine. */
export type DatabaseEdit = Extract<SourceSettings, { kind: 'database' }>;

const KINDS: Array<{ value: Kind; label: string; port: number | null }> = [
  { value: 'postgres', label: 'PostgreSQL', port: 5432 },
  { value: 'mysql', label: 'MariaDB / MySQL', port: 3306 },
  { value: 'sqlite', label: 'SQLite file', port: null },
];

/** The form's fields as typed. */
interface DatabaseForm {
  kind: Kind;
  file: string;
  host: string;
  port: string;
  database: string;
  user: string;
  ssl: Ssl;
  reads: 'table' | 'query';
  schema: string;
  table: string;
  query: string;
  watermark: string;
  /** Re-read look-back: seconds (date-time watermark) and ids (numeric watermark); empty is not set. */
  lookback: string;
  lookbackIds: string;
  /** PostgreSQL/MySQL: seconds a read waits for another session's lock; empty is the default. */
  lockTimeout: string;
}

const NEW_DATABASE: DatabaseForm = {
  kind: 'postgres',
  file: '',
  host: '',
  port: '',
  database: '',
  user: '',
  ssl: '',
  reads: 'table',
  schema: '',
  table: '',
  query: '',
  watermark: '',
  lookback: String(RECOMMENDED_LOOKBACK_SECONDS),
  lookbackIds: '0',
  lockTimeout: '',
};

const formOf = (d: DatabaseSettings): DatabaseForm => ({
  kind: d.kind,
  file: d.file ?? '',
  host: d.host ?? '',
  port: d.port === null ? '' : String(d.port),
  database: d.database ?? '',
  user: d.user ?? '',
  ssl: d.ssl ?? '',
  reads: d.query ? 'query' : 'table',
  schema: d.schema ?? '',
  table: d.table ?? '',
  query: d.query ?? '',
  watermark: d.watermarkColumn ?? '',
  lookback: d.watermarkLookbackSeconds === undefined ? '' : String(d.watermarkLookbackSeconds),
  lookbackIds: d.watermarkLookbackIds === undefined ? '' : String(d.watermarkLookbackIds),
  lockTimeout: d.lockTimeoutSeconds === undefined ? '' : String(d.lockTimeoutSeconds),
});

/** The lock wait as typed: undefined when empty (the default), a sentence when it is not a whole number in range. */
function lockTimeoutOf(v: string): number | undefined | string {
  if (!v.trim()) return undefined;
  const n = Number(v.trim());
  return Number.isInteger(n) && n >= 1 && n <= MAX_LOCK_TIMEOUT_SECONDS ? n : `The lock wait is a whole number of seconds from 1 to ${MAX_LOCK_TIMEOUT_SECONDS.toLocaleString('en-US')} (a day).`;
}

/** A look-back as typed: undefined when empty (not set), a sentence when it is not a whole number in range. */
function lookbackOf(v: string, max: number, what: string): number | undefined | string {
  if (!v.trim()) return undefined;
  const n = Number(v.trim());
  return Number.isInteger(n) && n >= 0 && n <= max ? n : `The re-read look-back ${what} is a whole number from 0 (off) to ${max.toLocaleString('en-US')}.`;
}

/** The location as the contract takes it, or a sentence saying what is missing. */
function locationOf(f: DatabaseForm): Location | string {
  const server = f.kind !== 'sqlite';
  const p = f.port.trim() ? Number(f.port) : undefined;
  if (p !== undefined && (!Number.isInteger(p) || p < 1 || p > 65535)) return 'The port is a whole number from 1 to 65535.';
  if (f.reads === 'table' && !f.table.trim()) return 'Give the table or view to read.';
  if (f.reads === 'query' && !f.query.trim()) return 'Give the SELECT query to read.';
  if (!server && !f.file.trim()) return 'Give the full path of the SQLite database file.';
  if (server && !f.database.trim()) return 'Give the database name.';
  const watermark = f.watermark.trim();
  const lookback = watermark ? lookbackOf(f.lookback, MAX_LOOKBACK_SECONDS, 'in seconds') : undefined;
  if (typeof lookback === 'string') return lookback;
  const lookbackIds = watermark ? lookbackOf(f.lookbackIds, MAX_LOOKBACK_IDS, 'for a numeric watermark') : undefined;
  if (typeof lookbackIds === 'string') return lookbackIds;
  // SQLite takes no lock wait: a value typed before the kind changed is left out.
  const lockTimeout = server ? lockTimeoutOf(f.lockTimeout) : undefined;
  if (typeof lockTimeout === 'string') return lockTimeout;
  return {
    kind: f.kind,
    ...(server
      ? {
          host: f.host.trim() || 'localhost',
          ...(p !== undefined ? { port: p } : {}),
          database: f.database.trim(),
          ...(f.user.trim() ? { user: f.user.trim() } : {}),
          ...(f.ssl ? { ssl: f.ssl } : {}),
          ...(lockTimeout !== undefined ? { lockTimeoutSeconds: lockTimeout } : {}),
        }
      : { file: f.file.trim() }),
    ...(f.reads === 'table' ? { table: f.table.trim(), ...(f.schema.trim() && server ? { schema: f.schema.trim() } : {}) } : { query: f.query.trim() }),
    ...(watermark ? { watermarkColumn: watermark } : {}),
    ...(lookback !== undefined ? { watermarkLookbackSeconds: lookback } : {}),
    ...(lookbackIds !== undefined ? { watermarkLookbackIds: lookbackIds } : {}),
  };
}

const CHANGEABLE = ['file', 'host', 'port', 'database', 'user', 'schema', 'table', 'query', 'watermarkColumn', 'watermarkLookbackSeconds', 'watermarkLookbackIds', 'lockTimeoutSeconds', 'ssl'] as const;

/** Where the database is (a file, or a database name on a server): never cleared, only replaced. */
const REQUIRED = new Set<string>(['file', 'database']);

/** Every changeable field, a left-out one as null (cleared): what an edit compares and sends. */
function asChanges(l: Location): DatabaseChanges {
  return Object.fromEntries(CHANGEABLE.flatMap((k) => (l[k] === undefined && REQUIRED.has(k) ? [] : [[k, l[k] ?? null]]))) as DatabaseChanges;
}

const CANNOT_TEST_KEPT = 'Test needs the password typed in again: the kept one never comes back out of the keychain. Save changes tests the connection with the kept password.';

/**
 * Add a database source, or (with `edit`) change one in place, prefilled from its settings; only
 * the fields that differ from them are sent, and the engine tests the connection before it saves.
 * "Test" connects and shows the first rows without saving anything. A password goes to the system
 * keychain through the engine and is never kept in this page's state; a kept one is never shown.
 */
export function AddDatabaseForm({ edit, onCancel, onSaved }: { edit?: DatabaseEdit; onCancel: () => void; onSaved: OnSaved }) {
  const initial = useMemo(() => (edit ? formOf(edit.database) : NEW_DATABASE), [edit]);
  const [name, setName] = useState(edit?.name ?? '');
  const [kind, setKind] = useState<Kind>(initial.kind);
  const [file, setFile] = useState(initial.file);
  const [host, setHost] = useState(initial.host);
  const [port, setPort] = useState(initial.port);
  const [database, setDatabase] = useState(initial.database);
  const [user, setUser] = useState(initial.user);
  const [ssl, setSsl] = useState<Ssl>(initial.ssl);
  const [reads, setReads] = useState(initial.reads);
  const [schema, setSchema] = useState(initial.schema);
  const [table, setTable] = useState(initial.table);
  const [query, setQuery] = useState(initial.query);
  const [watermark, setWatermark] = useState(initial.watermark);
  const [lookback, setLookback] = useState(initial.lookback);
  const [lookbackIds, setLookbackIds] = useState(initial.lookbackIds);
  const [lockTimeout, setLockTimeout] = useState(initial.lockTimeout);
  const [removePassword, setRemovePassword] = useState(false);
  const [tested, setTested] = useState<Result<'sources.testDatabase'> | 'needs-password' | null>(null);
  // Uncontrolled: the password stays out of React state and is wiped once saved.
  const passwordRef = useRef<HTMLInputElement>(null);
  const test = useAction();
  const save = useAction();
  const { formError, setFormError, onChange } = useFormErrors(save);
  const nameRef = useRef<HTMLInputElement>(null);
  useEffect(() => nameRef.current?.focus(), []);
  const server = kind !== 'sqlite';
  const defaultPort = KINDS.find((k) => k.value === kind)?.port;
  const keptPassword = Boolean(edit?.database.passwordInKeychain) && server;

  const form = (): DatabaseForm => ({ kind, file, host, port, database, user, ssl, reads, schema, table, query, watermark, lookback, lookbackIds, lockTimeout });
  const typedPassword = () => (server && !removePassword ? (passwordRef.current?.value ?? '') : '');

  const onTest = async () => {
    setFormError(null);
    setTested(null);
    const l = locationOf(form());
    if (typeof l === 'string') return setFormError(l);
    const password = typedPassword();
    if (keptPassword && !removePassword && !password) return setTested('needs-password');
    const r = await test.run(() => client.call('sources.testDatabase', { ...l, ...(password ? { password } : {}), limit: 10 }));
    if (r) setTested(r);
  };

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    setFormError(null);
    const l = locationOf(form());
    if (typeof l === 'string') return setFormError(l);
    const password = typedPassword();
    let saved: Result<'sources.update'> | undefined;
    if (!edit) {
      const r = await save.run(() => client.call('sources.addDatabase', { ...l, ...(password ? { password } : {}), name }));
      saved = r && { source: r, notes: [] };
    } else {
      const secret: DatabaseChanges = removePassword && keptPassword ? { password: null } : password ? { password } : {};
      const before = locationOf(initial);
      const params = updateParams(edit, name, 'database', typeof before === 'string' ? before : asChanges(before), asChanges(l), secret);
      if (!params) return setFormError(NOTHING_CHANGED);
      saved = await save.run(() => client.call('sources.update', params));
    }
    if (!saved) return;
    if (passwordRef.current) passwordRef.current.value = '';
    onSaved(saved.source, saved.notes);
  };

  const busy = test.busy || save.busy;
  const title = edit ? `Edit source “${edit.name}”` : 'Add a database';
  return (
    <Card title={title}>
      <form id={edit ? 'edit-source' : 'add-database'} aria-label={title} onSubmit={(e) => void onSubmit(e)} onChange={onChange} autoComplete="off">
        <p className="muted small" style={{ marginTop: 0 }}>
          The agent only reads: a table or view, or a SELECT. With a watermark column each run reads just the rows from the last value it recorded on (rows that share that value are read again and found unchanged, so none is missed), less the re-read look-back.
          {edit && ' Save changes tests the connection with the new settings first; nothing is saved if the test fails.'}
        </p>
        <Field label="Name" help="How the source is shown in mappings, jobs and history, e.g. “ERP meter readings”.">
          {(id, d) => <input id={id} ref={nameRef} aria-describedby={d} required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <Field label="Database" help={edit ? 'The kind of database cannot change: a database of another kind is added as a new source.' : undefined}>
          {(id, d) => (
            <select
              id={id}
              aria-describedby={d}
              disabled={Boolean(edit)}
              value={kind}
              onChange={(e) => {
                setKind(e.target.value as Kind);
                setTested(null);
              }}
            >
              {KINDS.map((k) => (
                <option key={k.value} value={k.value}>
                  {k.label}
                </option>
              ))}
            </select>
          )}
        </Field>
        {server ? (
          <>
            <div className="wizard-row">
              <Field label="Host">
                {(id) => <input id={id} spellCheck={false} placeholder="localhost" value={host} onChange={(e) => setHost(e.target.value)} />}
              </Field>
              <Field label="Port">
                {(id) => <input id={id} inputMode="numeric" placeholder={String(defaultPort)} style={{ maxWidth: '8rem' }} value={port} onChange={(e) => setPort(e.target.value)} />}
              </Field>
            </div>
            <div className="wizard-row">
              <Field label="Database name">
                {(id) => <input id={id} spellCheck={false} value={database} onChange={(e) => setDatabase(e.target.value)} />}
              </Field>
              <Field label="User">
                {(id) => <input id={id} spellCheck={false} value={user} onChange={(e) => setUser(e.target.value)} />}
              </Field>
            </div>
            <div className="wizard-row" style={{ alignItems: 'flex-start' }}>
              <Field
                label="Password (optional)"
                help={
                  keptPassword
                    ? removePassword
                      ? 'The saved password is deleted from the system keychain when you save.'
                      : 'Kept in the keychain — leave empty to keep it, or type a new one to replace it. Save changes tests the connection with the kept password.'
                    : 'Kept in the system keychain, never in the agent’s database or logs. A read-only user is best.'
                }
              >
                {(id, d) => <input id={id} ref={passwordRef} aria-describedby={d} type="password" autoComplete="new-password" spellCheck={false} disabled={removePassword} />}
              </Field>
              <Field label="TLS">
                {(id) => (
                  <select id={id} value={ssl} onChange={(e) => setSsl(e.target.value as typeof ssl)}>
                    <option value="">Server default</option>
                    <option value="require">Required (certificate checked)</option>
                    <option value="no-verify">Required, certificate not checked</option>
                    <option value="disable">Off</option>
                  </select>
                )}
              </Field>
            </div>
            {keptPassword && (
              <label className="checkbox" style={{ margin: '-0.4rem 0 0.9rem' }}>
                <input
                  type="checkbox"
                  checked={removePassword}
                  onChange={(e) => {
                    setRemovePassword(e.target.checked);
                    if (e.target.checked && passwordRef.current) passwordRef.current.value = '';
                  }}
                />{' '}
                Remove the saved password
              </label>
            )}
            <Field
              label="Lock wait (seconds)"
              help={`How long a read waits for a table locked by another session (a nightly batch load, say) before the run gives up and says so. Default ${DEFAULT_LOCK_TIMEOUT_SECONDS} s; at most ${MAX_LOCK_TIMEOUT_SECONDS.toLocaleString('en-US')} (a day).`}
            >
              {(id, d) => (
                <input
                  id={id}
                  aria-describedby={d}
                  inputMode="numeric"
                  placeholder={String(DEFAULT_LOCK_TIMEOUT_SECONDS)}
                  style={{ maxWidth: '8rem' }}
                  value={lockTimeout}
                  onChange={(e) => setLockTimeout(e.target.value)}
                />
              )}
            </Field>
          </>
        ) : (
          <Field label="Database file" help="The full path of the .db / .sqlite file on this computer. It is opened read-only.">
            {(id, d) => <input id={id} aria-describedby={d} spellCheck={false} placeholder="/data/meters.db" value={file} onChange={(e) => setFile(e.target.value)} />}
          </Field>
        )}
        <fieldset>
          <legend>Read</legend>
          <label className="radio">
            <input type="radio" name="reads" checked={reads === 'table'} onChange={() => setReads('table')} /> A table or view
          </label>
          <label className="radio">
            <input type="radio" name="reads" checked={reads === 'query'} onChange={() => setReads('query')} /> A SELECT query
          </label>
        </fieldset>
        {reads === 'table' ? (
          <div className="wizard-row">
            {server && (
              <Field label="Schema (optional)">
                {(id) => <input id={id} spellCheck={false} placeholder={kind === 'postgres' ? 'public' : ''} value={schema} onChange={(e) => setSchema(e.target.value)} />}
              </Field>
            )}
            <Field label="Table or view">
              {(id) => <input id={id} spellCheck={false} value={table} onChange={(e) => setTable(e.target.value)} />}
            </Field>
          </div>
        ) : (
          <Field label="Query" help="One read-only SELECT. Anything that could change data is refused.">
            {(id, d) => <textarea id={id} aria-describedby={d} rows={4} spellCheck={false} style={{ width: '100%', fontFamily: 'ui-monospace, monospace' }} value={query} onChange={(e) => setQuery(e.target.value)} />}
          </Field>
        )}
        <Field
          label="Watermark column (optional)"
          help="An increasing column such as updated_at or id. Each run reads only newer rows, and the mark moves on only once they are safely recorded."
        >
          {(id, d) => <input id={id} aria-describedby={d} spellCheck={false} value={watermark} onChange={(e) => setWatermark(e.target.value)} />}
        </Field>
        {watermark.trim() && (
          <div className="wizard-row" style={{ alignItems: 'flex-start' }}>
            <Field
              label="Re-read look-back (seconds)"
              help={`For a date or date-time watermark: each run starts this long before the last value it saw (a date column: whole days), so a row whose transaction committed late, with an older value, is still read. Rows read again are found unchanged and not sent twice; the saved watermark stays the newest value read. 0 or empty: off. ${RECOMMENDED_LOOKBACK_SECONDS} is recommended.`}
            >
              {(id, d) => (
                <input id={id} aria-describedby={d} inputMode="numeric" placeholder="off" style={{ maxWidth: '8rem' }} value={lookback} onChange={(e) => setLookback(e.target.value)} />
              )}
            </Field>
            <Field
              label="Re-read look-back (ids)"
              help="For a numeric watermark such as an id: each run starts this many below the last id it saw, as ids are handed out before their rows commit. 0 or empty: off."
            >
              {(id, d) => (
                <input id={id} aria-describedby={d} inputMode="numeric" placeholder="off" style={{ maxWidth: '8rem' }} value={lookbackIds} onChange={(e) => setLookbackIds(e.target.value)} />
              )}
            </Field>
          </div>
        )}
        <p className="muted small">How often it is read is the schedule of the job that uses it (Jobs page), e.g. every 15 minutes.</p>
        {formError && <div className="wizard-error" role="alert">{formError}</div>}
        <div role="status" aria-live="polite">
          {tested === 'needs-password' ? (
            <div className="banner banner-info" style={{ display: 'block' }}>
              {CANNOT_TEST_KEPT}
            </div>
          ) : (
            tested &&
            (tested.ok ? (
              <div className="banner banner-ok" style={{ display: 'block' }}>
                {/* The engine's message starts with "Connected (…)" itself. */}
                {tested.message}
              </div>
            ) : (
              <div className="banner banner-bad" style={{ display: 'block' }}>
                <strong>The test failed.</strong> {tested.message}
              </div>
            ))
          )}
        </div>
        {tested && tested !== 'needs-password' && tested.ok && (tested.rows.length ? <RowsTable columns={tested.columns} rows={tested.rows} label="First rows of the database source" /> : <p className="muted">The table or query returned no rows yet.</p>)}
        {test.error && <ErrorState message={test.error} />}
        {save.error && <ErrorState message={save.error} />}
        <div className="form-actions">
          <button type="button" className="button" disabled={busy} onClick={() => void onTest()}>
            {test.busy ? 'Testing…' : 'Test'}
          </button>
          <button type="submit" className="button primary" disabled={busy}>
            {save.busy ? 'Testing and saving…' : edit ? 'Save changes' : 'Test and save'}
          </button>
          <button type="button" className="button" onClick={onCancel} disabled={busy}>
            Cancel
          </button>
        </div>
      </form>
    </Card>
  );
}
