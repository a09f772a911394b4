import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { Params, Result } from '../../shared/api';
import type { SourceInfo } from '../../shared/dto';
import { client } from '../bridge/client';
import { Card, ErrorState } from '../components/ui';
import { useAction } from '../hooks';
import { Field, RowsTable } from './form';

type Kind = 'sqlite' | 'postgres' | 'mysql';
type Settings = Params<'sources.testDatabase'>;

const KINDS: Array<{ value: Kind; label: string; port: number | null }> = [
  { value: 'postgres', label: 'PostgreSQL', port: 5432 },
  { value: 'mysql', label: 'MariaDB / MySQL', port: 3306 },
  { value: 'sqlite', label: 'SQLite file', port: null },
];

/**
 * Add a database source. "Test" connects and shows the first rows without saving anything;
 * "Test and save" does the same check before it saves. A password goes to the system keychain
 * through the engine and is never kept in this page's state.
 */
export function AddDatabaseForm({ onCancel, onSaved }: { onCancel: () => void; onSaved: (s: SourceInfo) => void }) {
  const [name, setName] = useState('');
  const [kind, setKind] = useState<Kind>('postgres');
  const [file, setFile] = useState('');
  const [host, setHost] = useState('');
  const [port, setPort] = useState('');
  const [database, setDatabase] = useState('');
  const [user, setUser] = useState('');
  const [ssl, setSsl] = useState<'' | 'disable' | 'require' | 'no-verify'>('');
  const [reads, setReads] = useState<'table' | 'query'>('table');
  const [schema, setSchema] = useState('');
  const [table, setTable] = useState('');
  const [query, setQuery] = useState('');
  const [watermark, setWatermark] = useState('');
  const [tested, setTested] = useState<Result<'sources.testDatabase'> | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  // Uncontrolled: the password stays out of React state and is wiped once saved.
  const passwordRef = useRef<HTMLInputElement>(null);
  const test = useAction();
  const save = useAction();
  const nameRef = useRef<HTMLInputElement>(null);
  useEffect(() => nameRef.current?.focus(), []);
  const server = kind !== 'sqlite';
  const defaultPort = KINDS.find((k) => k.value === kind)?.port;

  /** The settings as the contract takes them, or a sentence saying what is missing. */
  const settings = (): Settings | string => {
    const p = port.trim() ? Number(port) : undefined;
    if (p !== undefined && (!Number.isInteger(p) || p < 1 || p > 65535)) return 'The port is a whole number from 1 to 65535.';
    if (reads === 'table' && !table.trim()) return 'Give the table or view to read.';
    if (reads === 'query' && !query.trim()) return 'Give the SELECT query to read.';
    if (!server && !file.trim()) return 'Give the full path of the SQLite database file.';
    if (server && !database.trim()) return 'Give the database name.';
    const password = passwordRef.current?.value ?? '';
    return {
      kind,
      ...(server
        ? {
            host: host.trim() || 'localhost',
            ...(p !== undefined ? { port: p } : {}),
            database: database.trim(),
            ...(user.trim() ? { user: user.trim() } : {}),
            ...(password ? { password } : {}),
            ...(ssl ? { ssl } : {}),
          }
        : { file: file.trim() }),
      ...(reads === 'table' ? { table: table.trim(), ...(schema.trim() && server ? { schema: schema.trim() } : {}) } : { query: query.trim() }),
      ...(watermark.trim() ? { watermarkColumn: watermark.trim() } : {}),
    };
  };

  const onTest = async () => {
    setFormError(null);
    setTested(null);
    const s = settings();
    if (typeof s === 'string') return setFormError(s);
    const r = await test.run(() => client.call('sources.testDatabase', { ...s, limit: 10 }));
    if (r) setTested(r);
  };

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    setFormError(null);
    const s = settings();
    if (typeof s === 'string') return setFormError(s);
    const r = await save.run(() => client.call('sources.addDatabase', { ...s, name }));
    if (!r) return;
    if (passwordRef.current) passwordRef.current.value = '';
    onSaved(r);
  };

  const busy = test.busy || save.busy;
  return (
    <Card title="Add a database">
      <form id="add-database" aria-label="Add a database" onSubmit={(e) => void onSubmit(e)} autoComplete="off">
        <p className="muted small" style={{ marginTop: 0 }}>
          The agent only reads: a table or view, or a SELECT. With a watermark column each run reads just the rows from the last value it recorded on (rows that share that value are read again and found unchanged, so none is missed).
        </p>
        <Field label="Name" help="How the source is shown in mappings, jobs and history, e.g. “ERP meter readings”.">
          {(id, d) => <input id={id} ref={nameRef} aria-describedby={d} required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <Field label="Database">
          {(id) => (
            <select
              id={id}
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
              <Field label="Password (optional)" help="Kept in the system keychain, never in the agent’s database or logs. A read-only user is best.">
                {(id, d) => <input id={id} ref={passwordRef} aria-describedby={d} type="password" autoComplete="new-password" spellCheck={false} />}
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
        <p className="muted small">How often it is read is the schedule of the job that uses it (Jobs page), e.g. every 15 minutes.</p>
        {formError && <div className="wizard-error" role="alert">{formError}</div>}
        <div role="status" aria-live="polite">
          {tested &&
            (tested.ok ? (
              <div className="banner banner-ok" style={{ display: 'block' }}>
                <strong>Connected.</strong> {tested.message}
              </div>
            ) : (
              <div className="banner banner-bad" style={{ display: 'block' }}>
                <strong>The test failed.</strong> {tested.message}
              </div>
            ))}
        </div>
        {tested?.ok && (tested.rows.length ? <RowsTable columns={tested.columns} rows={tested.rows} label="First rows of the database source" /> : <p className="muted">The table or query returned no rows yet.</p>)}
        {test.error && <ErrorState message={test.error} />}
        {save.error && <ErrorState message={save.error} />}
        <div className="form-actions">
          <button type="button" className="button" disabled={busy} onClick={() => void onTest()}>
            {test.busy ? 'Testing…' : 'Test'}
          </button>
          <button type="submit" className="button primary" disabled={busy}>
            {save.busy ? 'Testing and saving…' : 'Test and save'}
          </button>
          <button type="button" className="button" onClick={onCancel} disabled={busy}>
            Cancel
          </button>
        </div>
      </form>
    </Card>
  );
}
