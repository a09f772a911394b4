import { useEffect, useId, useMemo, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import type { Params, Result } from '../../shared/api';
import { client } from '../bridge/client';
import { ErrorState, Loading, PageHeader } from '../components/ui';
import { useEngine } from '../hooks';
import { CronEditor } from './CronEditor';
import { draftFromJob, draftToParams, emptyDraft, fileNamePreview, FILE_TOKENS, validateDraft, type DraftErrors, type JobDraft } from './draft';
import { PRESET_LABELS } from './schedule';
import { CSV_STYLES, CsvStyle } from '../../shared/jobs';
import './jobs.css';

const localZone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/** A labelled control with its error (tied by aria-describedby) and optional help. */
function Field({ label, error, help, children }: { label: string; error?: string; help?: ReactNode; children: (a11y: { id: string; 'aria-invalid'?: true; 'aria-describedby'?: string }) => ReactNode }) {
  const id = useId();
  const described = [error ? `${id}-error` : null, help ? `${id}-help` : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children({ id, ...(error ? { 'aria-invalid': true as const } : {}), ...(described ? { 'aria-describedby': described } : {}) })}
      {help && (
        <span id={`${id}-help`} className="muted small">
          {help}
        </span>
      )}
      {error && (
        <span id={`${id}-error`} className="field-error small">
          {error}
        </span>
      )}
    </div>
  );
}

const AFTER_RUN: Record<JobDraft['ingest']['afterRun'], string> = {
  move: 'Move it to processed/ (or failed/, with an error report)',
  leave: 'Leave it where it is',
  delete: 'Delete it',
};

/** The agent's setting in words, as the job form's first catch-up choice quotes it. */
const AGENT_CATCH_UP: Record<'run-once' | 'skip', string> = {
  'run-once': 'run once',
  skip: 'skip',
};

/** Add (route /jobs/new) or edit (route /jobs/:jobId/edit) one job. */
export function JobForm() {
  const { jobId } = useParams();
  const editing = jobId !== undefined;
  const navigate = useNavigate();
  const connections = useEngine('connections.list', {});
  const sources = useEngine('sources.list', {});
  const mappings = useEngine('mappings.list', {});
  // Only quoted in the catch-up choice: the form does not wait for it.
  const agentSettings = useEngine('settings.get', {});
  const [draft, setDraft] = useState<JobDraft | null>(editing ? null : emptyDraft(localZone));
  const [passwordSaved, setPasswordSaved] = useState(false);
  const [savedName, setSavedName] = useState('');
  const [loadError, setLoadError] = useState<string | null>(null);
  const [saveError, setSaveError] = useState<{ message: string; details: string[] } | null>(null);
  const [submitted, setSubmitted] = useState(false);
  const [saving, setSaving] = useState(false);
  const [datasets, setDatasets] = useState<Result<'jobs.datasets'> | null>(null);
  const errorRef = useRef<HTMLDivElement>(null);
  const catchUpHelpId = useId();

  useEffect(() => {
    if (!jobId) return;
    client
      .call('jobs.get', { jobId })
      .then((job) => {
        setDraft(draftFromJob(job));
        setSavedName(job.name);
        setPasswordSaved(job.databasePasswordSaved);
      })
      .catch((err: unknown) => setLoadError(err instanceof Error ? err.message : String(err)));
  }, [jobId]);

  // A single connection or source is chosen for the person.
  useEffect(() => {
    if (!draft || editing) return;
    const only = connections.data?.length === 1 ? connections.data[0]!.id : null;
    if (only && !draft.connectionId) setDraft({ ...draft, connectionId: only });
  }, [connections.data, draft, editing]);

  const connectionId = draft?.connectionId ?? '';
  const isExport = draft?.type === 'export';
  useEffect(() => {
    setDatasets(null);
    if (!connectionId || !isExport) return;
    let live = true;
    client.call('jobs.datasets', { connectionId }).then((d) => live && setDatasets(d), () => live && setDatasets([]));
    return () => {
      live = false;
    };
  }, [connectionId, isExport]);

  const datasetKeys = (id: string) => datasets?.find((d) => d.id === id)?.keyColumns ?? null;
  /** A key left as the previous dataset's own (or the old default, id) follows the dataset chosen; one typed by a person stays. */
  const keysFor = (next: string, previous: string, typed: string): string => {
    const norm = (k: string) => k.split(',').map((x) => x.trim()).filter(Boolean).join(', ');
    const followed = [norm(typed) === 'id', norm(typed) === (datasetKeys(previous) ?? []).join(', '), norm(typed) === ''].some(Boolean);
    return followed ? (datasetKeys(next) ?? ['id']).join(', ') : typed;
  };
  const source = useMemo(() => sources.data?.find((s) => s.id === draft?.sourceId) ?? null, [sources.data, draft?.sourceId]);
  const connectionKind = connections.data?.find((c) => c.id === draft?.connectionId)?.kind ?? null;
  const errors: DraftErrors = draft ? validateDraft(draft, { sourceKind: source?.kind ?? null, connectionKind }) : {};
  const shown = (k: keyof DraftErrors) => (submitted ? errors[k] : undefined);

  if (loadError) return <ErrorState message={loadError} />;
  if (!draft || !connections.data || !sources.data || !mappings.data) return <Loading what={editing ? 'the job' : 'the form'} />;

  const set = (patch: Partial<JobDraft>) => setDraft({ ...draft, ...patch });
  const setIngest = (patch: Partial<JobDraft['ingest']>) => setDraft({ ...draft, ingest: { ...draft.ingest, ...patch } });
  const setExport = (patch: Partial<JobDraft['export']>) => setDraft({ ...draft, export: { ...draft.export, ...patch } });
  const connectionName = (id: string | null) => connections.data!.find((c) => c.id === id)?.name ?? null;
  // Mappings made for this source (or for no particular source) and this connection.
  /** A source with exactly one mapping (for this connection) has it chosen at once. */
  const onlyMappingOf = (sourceId: string): string => {
    const own = mappings.data!.filter((m) => m.sourceId === sourceId && (!draft.connectionId || !m.connectionId || m.connectionId === draft.connectionId));
    return own.length === 1 ? own[0]!.id : '';
  };
  const usableMappings = mappings.data.filter((m) => (!draft.sourceId || !m.sourceId || m.sourceId === draft.sourceId) && (!draft.connectionId || !m.connectionId || m.connectionId === draft.connectionId));
  const folderAfterRun = source?.kind === 'folder' ? source.folder?.afterRun : undefined;

  const chooseMapping = (mappingId: string) => {
    const m = mappings.data!.find((x) => x.id === mappingId);
    // A mapping belongs to the connection whose metrics it uses.
    set({ mappingId, ...(m?.connectionId ? { connectionId: m.connectionId } : {}) });
  };

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setSubmitted(true);
    setSaveError(null);
    if (Object.keys(errors).length) {
      requestAnimationFrame(() => document.querySelector<HTMLElement>('.job-form [aria-invalid="true"]')?.focus());
      return;
    }
    setSaving(true);
    try {
      const params = draftToParams(draft) as Params<'jobs.add'>;
      let notice: string;
      if (editing) {
        const r = await client.call('jobs.update', { jobId: jobId!, ...params });
        notice = [`Saved “${r.job.name}”.`, ...r.notes].join(' ');
      } else {
        const job = await client.call('jobs.add', params);
        // A folder job takes what is already there at once: said, so its first run is no surprise.
        const takesNow = draft.type === 'ingest' && source?.kind === 'folder' && draft.onFileArrival;
        notice = `Added “${job.name}”.${job.scheduleText ? ` ${job.scheduleText}.` : ''}${takesNow ? ` Files already in “${source.name}” that were never sent are taken now; each new one as it arrives.` : ''}`;
      }
      navigate('/jobs', { state: { notice } });
    } catch (err) {
      const details = (err as { details?: { path: string; message: string }[] }).details ?? [];
      setSaveError({ message: err instanceof Error ? err.message : String(err), details: details.map((d) => `${d.path}: ${d.message}`) });
      requestAnimationFrame(() => errorRef.current?.focus());
    } finally {
      setSaving(false);
    }
  };

  const noConnections = connections.data.length === 0;
  const preview = fileNamePreview(draft.export.fileName.trim() || 'export', {
    dataset: draft.export.dataset,
    job: draft.name,
    format: draft.export.format,
    now: new Date(),
    timeZone: draft.timezone || undefined,
  });

  return (
    <>
      <PageHeader
        title={editing ? `Edit “${savedName}”` : 'New job'}
        description="A job sends a source's rows through its mapping to a platform (ingest), or brings a platform dataset back to a folder or table (export)."
      />
      {noConnections && (
        <div className="banner banner-warn" role="status">
          There is no platform connection yet. <Link to="/connections">Add a connection</Link> first.
        </div>
      )}
      {saveError && (
        <div className="state state-error job-save-error" role="alert" tabIndex={-1} ref={errorRef}>
          <strong>The job was not saved.</strong> <span>{saveError.message}</span>
          {saveError.details.length > 0 && (
            <ul>
              {saveError.details.map((d) => (
                <li key={d}>{d}</li>
              ))}
            </ul>
          )}
        </div>
      )}
      <form className="card job-form" onSubmit={(e) => void save(e)} noValidate aria-label={editing ? 'Edit job' : 'New job'}>
        <div className="jobs-row">
          <Field label="Name" error={shown('name')}>
            {(a) => <input {...a} value={draft.name} maxLength={120} autoComplete="off" onChange={(e) => set({ name: e.target.value })} />}
          </Field>
        </div>
        <fieldset>
          <legend className="jobs-legend">Kind</legend>
          <label className="radio">
            <input type="radio" name="type" checked={draft.type === 'ingest'} onChange={() => set({ type: 'ingest' })} />
            Ingest: send a folder's or database's rows to the platform
          </label>
          <label className="radio">
            <input type="radio" name="type" checked={draft.type === 'export'} onChange={() => set({ type: 'export', schedule: draft.schedule.kind === 'none' ? { kind: 'daily', time: '06:00' } : draft.schedule })} />
            Export: bring platform data back to a folder or a database table
          </label>
        </fieldset>

        {draft.type === 'ingest' ? (
          <>
            <h2 className="jobs-subhead">From → through → to</h2>
            <div className="jobs-row">
              <Field label="Source" error={shown('sourceId')} help={sources.data.length === 0 ? <Link to="/sources">Add a folder or database source first.</Link> : undefined}>
                {(a) => (
                  <select {...a} value={draft.sourceId} onChange={(e) => set({ sourceId: e.target.value, mappingId: onlyMappingOf(e.target.value) })}>
                    <option value="">Choose a source…</option>
                    {sources.data!.map((s) => (
                      <option key={s.id} value={s.id}>
                        {s.name} ({s.kind === 'folder' ? 'folder' : 'database'})
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              <Field label="Mapping" error={shown('mappingId')} help={draft.sourceId && usableMappings.length === 0 ? <Link to="/mappings/new">No mapping fits this source yet: make one.</Link> : undefined}>
                {(a) => (
                  <select {...a} value={draft.mappingId} onChange={(e) => chooseMapping(e.target.value)}>
                    <option value="">Choose a mapping…</option>
                    {usableMappings.map((m) => (
                      <option key={m.id} value={m.id}>
                        {m.name} (version {m.version})
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              <Field label="Platform connection" error={shown('connectionId')}>
                {(a) => (
                  <select {...a} value={draft.connectionId} onChange={(e) => set({ connectionId: e.target.value })}>
                    <option value="">Choose a connection…</option>
                    {connections.data!.map((c) => (
                      <option key={c.id} value={c.id}>
                        {c.name}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
            </div>
            {connectionKind === 'altruistiq' && (
              <div className="jobs-row">
                <Field
                  label="Altruistiq datasource"
                  error={shown('datasourceId')}
                  help="Altruistiq takes files: each run builds the mapped file and uploads it to this datasource as a new dataset. Its id is on the datasource's page in the Altruistiq app."
                >
                  {(a) => <input {...a} value={draft.ingest.datasourceId} spellCheck={false} autoComplete="off" onChange={(e) => setIngest({ datasourceId: e.target.value })} />}
                </Field>
              </div>
            )}
          </>
        ) : (
          <>
            <h2 className="jobs-subhead">What to export</h2>
            <div className="jobs-row">
              <Field label="Platform connection" error={shown('connectionId')}>
                {(a) => (
                  <select {...a} value={draft.connectionId} onChange={(e) => set({ connectionId: e.target.value, export: { ...draft.export, dataset: '' } })}>
                    <option value="">Choose a connection…</option>
                    {connections.data!.map((c) => (
                      <option key={c.id} value={c.id}>
                        {c.name}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              <Field label="Dataset" error={shown('dataset')}>
                {(a) => (
                  <select {...a} value={draft.export.dataset} disabled={!draft.connectionId || datasets === null} onChange={(e) => setExport({ dataset: e.target.value, keyColumns: keysFor(e.target.value, draft.export.dataset, draft.export.keyColumns) })}>
                    <option value="">{!draft.connectionId ? 'Choose a connection first' : datasets === null ? 'Loading…' : 'Choose a dataset…'}</option>
                    {(datasets ?? []).map((d) => (
                      <option key={d.id} value={d.id}>
                        {d.label}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
            </div>
            <fieldset>
              <legend className="jobs-legend">Destination</legend>
              <label className="radio">
                <input type="radio" name="destination" checked={draft.export.destination === 'folder'} onChange={() => setExport({ destination: 'folder' })} />
                Files in a folder
              </label>
              <label className="radio">
                <input type="radio" name="destination" checked={draft.export.destination === 'database'} onChange={() => setExport({ destination: 'database' })} />
                A database table (rows upserted by key, for BI tools)
              </label>
            </fieldset>
            {draft.export.destination === 'folder' ? (
              <div className="jobs-row">
                <Field label="Folder" error={shown('folder')} help="Full path on the computer the agent runs on.">
                  {(a) => <input {...a} value={draft.export.folder} placeholder="/srv/exports" spellCheck={false} onChange={(e) => setExport({ folder: e.target.value })} />}
                </Field>
                <Field label="Format">
                  {(a) => (
                    <select {...a} value={draft.export.format} onChange={(e) => setExport({ format: e.target.value as JobDraft['export']['format'] })}>
                      <option value="csv">CSV (spreadsheet-safe)</option>
                      <option value="xlsx">Excel workbook (XLSX)</option>
                      <option value="json">JSON</option>
                      <option value="ndjson">NDJSON (one JSON object per line)</option>
                    </select>
                  )}
                </Field>
                {draft.export.format === 'csv' && (
                  <Field label="CSV layout" help="Choose what the spreadsheet that opens the files expects: Excel splits columns at “;” when Windows is set to a language that writes 12,5.">
                    {(a) => (
                      <select {...a} value={draft.export.csvStyle} onChange={(e) => setExport({ csvStyle: e.target.value as CsvStyle })}>
                        {CsvStyle.options.map((style) => (
                          <option key={style} value={style}>
                            {CSV_STYLES[style].label}
                          </option>
                        ))}
                      </select>
                    )}
                  </Field>
                )}
                <Field
                  label="File name"
                  error={shown('fileName')}
                  help={
                    <>
                      {'name' in preview ? (
                        <>
                          A run now would write <code>{preview.name}</code>.
                        </>
                      ) : (
                        preview.problem
                      )}{' '}
                      Tokens: {FILE_TOKENS.map((t) => `{${t}}`).join(' ')}
                    </>
                  }
                >
                  {(a) => <input {...a} value={draft.export.fileName} spellCheck={false} onChange={(e) => setExport({ fileName: e.target.value })} />}
                </Field>
              </div>
            ) : (
              <>
                <div className="jobs-row">
                  <Field label="Database">
                    {(a) => (
                      <select {...a} value={draft.export.database} onChange={(e) => setExport({ database: e.target.value as JobDraft['export']['database'] })}>
                        <option value="postgres">PostgreSQL</option>
                        <option value="mysql">MariaDB / MySQL</option>
                        <option value="sqlite">SQLite file</option>
                      </select>
                    )}
                  </Field>
                  {draft.export.database === 'sqlite' ? (
                    <Field label="Database file" error={shown('file')}>
                      {(a) => <input {...a} value={draft.export.file} placeholder="/srv/bi/esg.sqlite" spellCheck={false} onChange={(e) => setExport({ file: e.target.value })} />}
                    </Field>
                  ) : (
                    <>
                      <Field label="Host">{(a) => <input {...a} value={draft.export.host} spellCheck={false} onChange={(e) => setExport({ host: e.target.value })} />}</Field>
                      <Field label="Port" error={shown('port')} help={`Empty for ${draft.export.database === 'postgres' ? '5432' : '3306'}.`}>
                        {(a) => <input {...a} value={draft.export.port} inputMode="numeric" onChange={(e) => setExport({ port: e.target.value })} />}
                      </Field>
                    </>
                  )}
                </div>
                {draft.export.database !== 'sqlite' && (
                  <div className="jobs-row">
                    <Field label="Database name" error={shown('dbName')}>
                      {(a) => <input {...a} value={draft.export.dbName} spellCheck={false} onChange={(e) => setExport({ dbName: e.target.value })} />}
                    </Field>
                    <Field label="User" error={shown('user')}>
                      {(a) => <input {...a} value={draft.export.user} spellCheck={false} autoComplete="off" onChange={(e) => setExport({ user: e.target.value })} />}
                    </Field>
                    <Field label="Password" help={passwordSaved ? 'A password is saved in the keychain; leave empty to keep it.' : 'Stored in the OS keychain only. Leave empty if the server needs none.'}>
                      {(a) => <input {...a} type="password" value={draft.export.password} autoComplete="new-password" onChange={(e) => setExport({ password: e.target.value })} />}
                    </Field>
                  </div>
                )}
                <div className="jobs-row">
                  <Field label="Table" error={shown('table')} help="Created when missing; new columns are added.">
                    {(a) => <input {...a} value={draft.export.table} placeholder="esg_submissions" spellCheck={false} onChange={(e) => setExport({ table: e.target.value })} />}
                  </Field>
                  <Field
                    label="Key columns"
                    error={shown('keyColumns')}
                    help={`Comma-separated; rows with the same key are updated, not added again.${datasetKeys(draft.export.dataset) ? ` Rows of this dataset are identified by ${datasetKeys(draft.export.dataset)!.join(', ')}.` : ''}`}
                  >
                    {(a) => <input {...a} value={draft.export.keyColumns} spellCheck={false} onChange={(e) => setExport({ keyColumns: e.target.value })} />}
                  </Field>
                </div>
              </>
            )}
            <div className="jobs-row">
              <Field
                label="Each run writes"
                help={
                  draft.export.contents === 'everything'
                    ? draft.export.destination === 'folder'
                      ? 'The whole dataset every run. A file of the same name is replaced: with a name without date or time tokens, it always holds the current data.'
                      : 'The whole dataset every run, upserted by the key columns.'
                    : draft.export.destination === 'folder'
                      ? 'Only rows new or changed since the last export (the first run writes everything): a new file per run, none when nothing changed. A changed row appears again in a later file, and a deleted one as a row with deleted_at filled in, so a tool that combines every file of the folder (Power BI’s Folder source) must keep the latest version of each row. For a folder a BI tool reads whole, choose “Everything, every run” with a name without date or time.'
                      : 'Only rows new or changed since the last export (the first run writes everything), upserted by the key columns.'
                }
              >
                {(a) => (
                  <select {...a} value={draft.export.contents} onChange={(e) => setExport({ contents: e.target.value as 'changes' | 'everything' })}>
                    <option value="changes">Rows new or changed since the last export</option>
                    <option value="everything">Everything, every run</option>
                  </select>
                )}
              </Field>
              <Field
                label="Nested fields"
                help={
                  connectionKind === 'pact'
                    ? 'Footprints (PACT) carry nested data: keep it as JSON text in one column, or spread it over columns.'
                    : 'For fields that hold a list or a group of values: keep each as JSON text in one column, or spread it over columns.'
                }
              >
                {(a) => (
                  <select {...a} value={draft.export.nested} onChange={(e) => setExport({ nested: e.target.value as 'json' | 'columns' })}>
                    <option value="json">As JSON in one column</option>
                    <option value="columns">As separate columns</option>
                  </select>
                )}
              </Field>
            </div>
          </>
        )}

        <h2 className="jobs-subhead">When</h2>
        <CronEditor
          preset={draft.schedule}
          timezone={draft.timezone}
          onPreset={(schedule) => set({ schedule })}
          onTimezone={(timezone) => set({ timezone })}
          error={shown('schedule')}
          // A database source has no file to wait for: without a schedule its job would never run on its own.
          noSchedule={
            draft.type === 'export'
              ? { label: 'No schedule (by hand only)', text: 'Runs only when you press Run now (or by the esg-sync run command), for an export made on request.' }
              : source?.kind === 'database'
                ? null
                : { label: PRESET_LABELS.none, text: 'Runs only when a file arrives in the source folder, or when you press Run now.' }
          }
        />
        {draft.schedule.kind !== 'none' && (
          <fieldset aria-describedby={catchUpHelpId}>
            <legend className="jobs-legend">If a scheduled run was missed (computer off or asleep)</legend>
            <label className="radio">
              <input type="radio" name="catchUp" checked={draft.catchUp === 'default'} onChange={() => set({ catchUp: 'default' })} />
              Use the agent's setting{agentSettings.data ? ` (currently: ${AGENT_CATCH_UP[agentSettings.data.catchUp]})` : ''}
            </label>
            <label className="radio">
              <input type="radio" name="catchUp" checked={draft.catchUp === 'run-once'} onChange={() => set({ catchUp: 'run-once' })} />
              Run once when the agent is back
            </label>
            <label className="radio">
              <input type="radio" name="catchUp" checked={draft.catchUp === 'skip'} onChange={() => set({ catchUp: 'skip' })} />
              Skip it
            </label>
            <p id={catchUpHelpId} className="muted small">
              A catch-up run happens at most once, however many runs were missed; the job then keeps to its schedule. The agent's setting is on the Settings page.
            </p>
          </fieldset>
        )}
        {draft.type === 'ingest' && source?.kind === 'folder' && (
          <label className="checkbox">
            <input type="checkbox" checked={draft.onFileArrival} onChange={(e) => set({ onFileArrival: e.target.checked })} />
            Also run as soon as a file arrives in “{source.name}” (once it is fully written); files already there are taken when the job is saved
          </label>
        )}
        {draft.type === 'ingest' && source?.kind === 'database' && <p className="muted small">Each run reads only the rows added or changed since the previous one (the source's watermark).</p>}

        {draft.type === 'ingest' && (
          <>
            <h2 className="jobs-subhead">How</h2>
            <label className="checkbox">
              <input type="checkbox" checked={draft.ingest.mirror} onChange={(e) => setIngest({ mirror: e.target.checked })} />
              Mirror: the source holds the full dataset, so values removed from it are deleted on the platform
            </label>
            {draft.ingest.mirror && (
              <div className="jobs-row jobs-indent">
                <Field label="Stop and ask before deleting more than (%)" error={shown('maxDeletePercent')} help="Of the values this job has sent. Protects against a truncated or wrong file.">
                  {(a) => <input {...a} value={draft.ingest.maxDeletePercent} inputMode="numeric" onChange={(e) => setIngest({ maxDeletePercent: e.target.value })} />}
                </Field>
              </div>
            )}
            <label className="checkbox">
              <input type="checkbox" checked={draft.ingest.replaceExisting} onChange={(e) => setIngest({ replaceExisting: e.target.checked })} />
              Replace values already on the platform that this agent did not send (typed on the platform, another tool, or this agent before a move)
            </label>
            <fieldset>
              <legend className="jobs-legend">When some rows are rejected</legend>
              <label className="radio">
                <input type="radio" name="rejectPolicy" checked={draft.ingest.rejectPolicy === 'send-valid'} onChange={() => setIngest({ rejectPolicy: 'send-valid' })} />
                Send the valid rows; list the rejected ones in History
              </label>
              <label className="radio">
                <input type="radio" name="rejectPolicy" checked={draft.ingest.rejectPolicy === 'all-or-nothing'} onChange={() => setIngest({ rejectPolicy: 'all-or-nothing' })} />
                {source?.kind === 'database' ? 'Send nothing from a run that has rejected rows' : 'Send nothing from a file with rejected rows'}
              </label>
            </fieldset>
            <div className="jobs-row">
              <Field label="Values per request" error={shown('batchSize')} help="1–1000. Smaller batches suit slow or strict platforms.">
                {(a) => <input {...a} value={draft.ingest.batchSize} inputMode="numeric" onChange={(e) => setIngest({ batchSize: e.target.value })} />}
              </Field>
              {source?.kind === 'folder' && (
                <Field label="After a run, the file" help={folderAfterRun ? `The source “${source.name}” decides this (set on the Sources page): ${AFTER_RUN[folderAfterRun].toLowerCase()}.` : undefined}>
                  {(a) => (
                    <select {...a} value={folderAfterRun ?? draft.ingest.afterRun} disabled={Boolean(folderAfterRun)} onChange={(e) => setIngest({ afterRun: e.target.value as JobDraft['ingest']['afterRun'] })}>
                      {Object.entries(AFTER_RUN).map(([k, v]) => (
                        <option key={k} value={k}>
                          {v}
                        </option>
                      ))}
                    </select>
                  )}
                </Field>
              )}
            </div>
            {editing && draft.connectionId && (
              <p className="muted small">Sends to {connectionName(draft.connectionId)} as its service account.</p>
            )}
          </>
        )}

        <div className="form-actions">
          <button type="submit" className="button primary" disabled={saving || noConnections}>
            {saving ? 'Saving…' : editing ? 'Save changes' : 'Add job'}
          </button>
          <Link to="/jobs" className="button">
            Cancel
          </Link>
          {submitted && Object.keys(errors).length > 0 && (
            <span className="field-error" role="status">
              {Object.keys(errors).length === 1 ? 'One field needs your attention.' : `${Object.keys(errors).length} fields need your attention.`}
            </span>
          )}
        </div>
      </form>
    </>
  );
}
