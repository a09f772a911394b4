import { useEffect, useId, useRef, useState } from 'react';
import { Link } from 'react-router-dom';
import type { ConfigExportResult, ConfigFile, ConfigImportResult, ImportItem, ImportOutcome, SecretToAdd } from '../../shared/contract/config';
import { plural } from '../../shared/plural';
import { client, desktopHelper } from '../bridge/client';
import { Card } from '../components/ui';
import { useAction } from '../hooks';
import { KIND_WORDS, MAX_IMPORT_BYTES, SETTING_WORDS, exportFileName, noteSentence, notImportedHelp, readChosenFile, secretSentence, settingValueWords } from './config-words';
import './move-computer.css';

/**
 * Settings → "Move to another computer": the configuration (settings, connections, sources,
 * mappings, jobs, never a secret) exported to a file, and such a file imported here after a
 * preview. The engine's config.export / config.import do the work, as for `esg-sync config`.
 */
export function MoveComputer({ onImported }: { onImported: () => void }) {
  return (
    <Card title="Move to another computer" className="config-transfer">
      <p className="muted small">
        Moving to a new computer or server? Export this agent’s configuration to a file here, then import that file in ESG Sync Agent on the new one. The file has the settings,
        connections, sources, mappings and jobs, but never a password or client secret: those you enter again by hand, and the export lists which.
      </p>
      <ExportPart />
      <ImportPart onImported={onImported} />
    </Card>
  );
}

/** The same text `esg-sync config export` writes. */
const fileText = (file: ConfigFile) => `${JSON.stringify(file, null, 2)}\n`;

/** A browser download of text made in the page (the agent's page can download; the desktop page uses its save dialog). */
function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

function ExportPart() {
  const action = useAction();
  const [done, setDone] = useState<{ result: ConfigExportResult; where: string } | null>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const saveFile = desktopHelper('saveFile');

  const run = async () => {
    setDone(null);
    const name = exportFileName();
    if (saveFile) {
      const path = await action.run(() => saveFile(name, 'json'));
      if (!path) return;
      const r = await action.run(() => client.call('config.export', { path }));
      if (r) setDone({ result: r, where: r.savedTo ?? path });
    } else {
      const r = await action.run(() => client.call('config.export', {}));
      if (!r) return;
      download(name, fileText(r.file));
      setDone({ result: r, where: name });
    }
  };
  useEffect(() => {
    if (done) headingRef.current?.focus();
  }, [done]);

  const r = done?.result;
  const before = r?.secretsToAddAgain.filter((s) => s.when === 'before import') ?? [];
  const after = r?.secretsToAddAgain.filter((s) => s.when === 'after import') ?? [];
  return (
    <section className="config-part" aria-label="Export">
      <div className="form-actions">
        <button type="button" className="button" onClick={() => void run()} disabled={action.busy}>
          {action.busy ? 'Exporting…' : 'Export configuration…'}
        </button>
      </div>
      {action.error && (
        <p className="field-error" role="alert">
          The configuration was not exported: {action.error}
        </p>
      )}
      {r && done && (
        <div className="config-result">
          <h3 ref={headingRef} tabIndex={-1}>
            Exported
          </h3>
          <p role="status">
            Saved <code>{done.where}</code>: the settings, {plural(r.file.connections.length, 'connection')}, {plural(r.file.sources.length, 'source')},{' '}
            {plural(r.file.mappings.length, 'mapping')} and {plural(r.file.jobs.length, 'job')}. It holds no password and no client secret.
          </p>
          {r.leftOut.length > 0 && (
            <p className="muted small">
              Not in the file, as they belong to the sandbox tour (“Try it with the sandbox platform” makes them again): {r.leftOut.join(', ')}.
            </p>
          )}
          <h3>What to enter again by hand on the new computer</h3>
          {before.length === 0 && after.length === 0 && <p>Nothing: no connection, source or job here needs a password or secret entered again.</p>}
          {before.length > 0 && <SecretList title="Before you import the file" secrets={before} file={r.file} />}
          {after.length > 0 && <SecretList title="After the import" secrets={after} file={r.file} />}
          {before.length > 0 && (
            <details className="config-commands">
              <summary>Commands for administrators (headless agent)</summary>
              <p className="muted small">
                On a server without the app, add each with its secret from the command line, then run <code>esg-sync config import FILE</code>. Add{' '}
                <code>--data-dir DIR</code> after <code>esg-sync</code> where the agent keeps its data elsewhere than the default folder.
              </p>
              <pre>{before.map((s) => s.how).join('\n\n')}</pre>
            </details>
          )}
        </div>
      )}
    </section>
  );
}

function SecretList({ title, secrets, file }: { title: string; secrets: SecretToAdd[]; file: ConfigFile | null }) {
  const id = useId();
  return (
    <>
      <p id={id} className="config-list-title">
        {title}:
      </p>
      <ul className="config-items" aria-labelledby={id}>
        {secrets.map((s) => {
          const words = secretSentence(s, file);
          return (
            <li key={`${s.kind}:${s.name}`}>
              {words.text} <Link to={words.page.to}>Open the {words.page.label}</Link>
            </li>
          );
        })}
      </ul>
    </>
  );
}

/** The file chosen for import, kept while the person adds its connections on other pages. */
let remembered: { name: string; json: unknown } | null = null;

function ImportPart({ onImported }: { onImported: () => void }) {
  const inputRef = useRef<HTMLInputElement>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const inputId = useId();
  const action = useAction();
  const [chosen, setChosen] = useState(remembered);
  const [problem, setProblem] = useState<string | null>(null);
  const [result, setResult] = useState<ConfigImportResult | null>(null);

  const check = async (file: { name: string; json: unknown }, dryRun: boolean) => {
    setResult(null);
    const r = await action.run(() => client.call('config.import', { file: file.json, dryRun, force: false, fileName: `“${file.name}”` }));
    if (!r) return;
    setResult(r);
    if (!dryRun) {
      onImported();
      // Everything is here: nothing left to come back for.
      if (!r.items.some((i) => i.outcome === 'not imported' || i.outcome === 'failed')) remembered = null;
    }
  };

  useEffect(() => {
    // Back from adding a connection: show the remembered file's preview as it is now.
    if (remembered) void check(remembered, true);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  useEffect(() => {
    if (result || problem || action.error) headingRef.current?.focus();
  }, [result, problem, action.error]);

  const onFile = async (e: React.ChangeEvent<HTMLInputElement>) => {
    const f = e.target.files?.[0];
    e.target.value = '';
    if (!f) return;
    setResult(null);
    setProblem(null);
    action.clearError();
    setChosen(null);
    remembered = null;
    if (f.size > MAX_IMPORT_BYTES) {
      setProblem(`“${f.name}” is too large to be a configuration file (${Math.round(f.size / 1024)} KB). Choose the file made by “Export configuration…”.`);
      return;
    }
    const read = readChosenFile(f.name, await f.text());
    if ('problem' in read) {
      setProblem(read.problem);
      return;
    }
    const file = { name: f.name, json: read.json };
    setChosen(file);
    remembered = file;
    await check(file, true);
  };

  const cancel = () => {
    remembered = null;
    setChosen(null);
    setResult(null);
    setProblem(null);
    action.clearError();
  };

  const canImport = result?.dryRun && (result.settingChanges.length > 0 || result.items.some((i) => i.outcome === 'would add'));
  return (
    <section className="config-part" aria-label="Import">
      <div className="form-actions">
        <button type="button" className="button" onClick={() => inputRef.current?.click()} disabled={action.busy}>
          Import configuration…
        </button>
        <label htmlFor={inputId} className="visually-hidden">
          Configuration file to import
        </label>
        <input id={inputId} ref={inputRef} type="file" accept=".json,application/json" className="visually-hidden" tabIndex={-1} onChange={(e) => void onFile(e)} />
        {action.busy && (
          <span role="status" className="muted small">
            <span className="spinner" aria-hidden="true" /> {result === null && chosen ? 'Checking the file…' : 'Working…'}
          </span>
        )}
      </div>
      <p className="muted small">
        On the new computer: first add the connections (and the database sources with a password) that the export listed, under the same names. Then choose the file: you
        see what it would add before anything changes.
      </p>
      {problem && (
        <div className="config-result">
          <h3 ref={headingRef} tabIndex={-1}>
            This file cannot be imported
          </h3>
          <p className="field-error" role="alert">
            {problem}
          </p>
        </div>
      )}
      {action.error && (
        <div className="config-result">
          <h3 ref={headingRef} tabIndex={-1}>
            {chosen ? `“${chosen.name}” cannot be imported` : 'This file cannot be imported'}
          </h3>
          <p className="field-error config-pre" role="alert">
            {action.error}
          </p>
          <div className="form-actions">
            <button type="button" className="button" onClick={cancel}>
              Close
            </button>
          </div>
        </div>
      )}
      {result && chosen && (
        <div className="config-result" aria-live="polite">
          <h3 ref={headingRef} tabIndex={-1}>
            {result.dryRun ? `What importing “${chosen.name}” would do` : `Imported “${chosen.name}”`}
          </h3>
          {result.dryRun && <p className="muted small">Nothing has changed yet.</p>}
          <SettingChanges result={result} />
          <ItemGroups result={result} />
          {!result.dryRun && <AfterImport result={result} />}
          <div className="form-actions">
            {canImport && (
              <button type="button" className="button primary" onClick={() => void check(chosen, false)} disabled={action.busy}>
                {action.busy ? 'Importing…' : 'Import'}
              </button>
            )}
            {result.items.some((i) => i.outcome === 'not imported' || i.outcome === 'failed') && (
              <button type="button" className="button" onClick={() => void check(chosen, true)} disabled={action.busy}>
                Check the file again
              </button>
            )}
            <button type="button" className="button" onClick={cancel} disabled={action.busy}>
              {result.dryRun ? 'Cancel' : 'Close'}
            </button>
          </div>
        </div>
      )}
    </section>
  );
}

function SettingChanges({ result }: { result: ConfigImportResult }) {
  const id = useId();
  if (result.settingsError) return <p className="field-error">The settings were not changed: {result.settingsError}</p>;
  if (!result.settingChanges.length) return <p>Settings: the same as here already.</p>;
  return (
    <>
      <p id={id} className="config-list-title">
        {result.dryRun ? 'Settings that would change:' : 'Settings changed:'}
      </p>
      <ul className="config-items" aria-labelledby={id}>
        {result.settingChanges.map((c) => (
          <li key={c.key}>
            {SETTING_WORDS[c.key]}: <strong>{settingValueWords(c.key, c.to)}</strong> <span className="muted">(was {settingValueWords(c.key, c.from)})</span>
          </li>
        ))}
      </ul>
    </>
  );
}

const GROUPS: { outcome: ImportOutcome; title: (n: number, dryRun: boolean) => string; tone: string }[] = [
  { outcome: 'would add', title: (n) => `Will be added (${n})`, tone: 'ok' },
  { outcome: 'added', title: (n) => `Added (${n})`, tone: 'ok' },
  { outcome: 'already here', title: (n) => `Already here, left as they are (${n})`, tone: 'neutral' },
  { outcome: 'not imported', title: (n, dryRun) => `${dryRun ? 'Cannot be imported yet' : 'Not imported'} (${n})`, tone: 'warn' },
  { outcome: 'failed', title: (n) => `Could not be added (${n})`, tone: 'bad' },
];

function ItemGroups({ result }: { result: ConfigImportResult }) {
  if (!result.items.length) return <p>The file has no connections, sources, mappings or jobs.</p>;
  return (
    <>
      {GROUPS.map((g) => {
        const items = result.items.filter((i) => i.outcome === g.outcome);
        if (!items.length) return null;
        return <ItemGroup key={g.outcome} title={g.title(items.length, result.dryRun)} tone={g.tone} items={items} />;
      })}
    </>
  );
}

function ItemGroup({ title, tone, items }: { title: string; tone: string; items: ImportItem[] }) {
  const id = useId();
  return (
    <div className={`config-group config-group-${tone}`}>
      <p id={id} className="config-list-title">
        {title}
      </p>
      <ul className="config-items" aria-labelledby={id}>
        {items.map((i) => {
          const help = i.outcome === 'not imported' ? notImportedHelp(i) : null;
          return (
            <li key={`${i.kind}:${i.name}`}>
              <span className="muted">{KIND_WORDS[i.kind]}</span> <strong>{i.name}</strong>
              {i.detail && <div className="small">{i.detail.charAt(0).toUpperCase() + i.detail.slice(1)}.</div>}
              {help ? (
                <div className="small">
                  {help.text} <Link to={help.page.to}>{help.page.label}</Link>
                </div>
              ) : (
                i.note && <div className="small">{noteSentence(i.note)}</div>
              )}
              {i.command && (
                <details className="config-commands">
                  <summary>Command for administrators</summary>
                  <pre>{i.command}</pre>
                </details>
              )}
            </li>
          );
        })}
      </ul>
    </div>
  );
}

function AfterImport({ result }: { result: ConfigImportResult }) {
  const after = result.secretsToAddAgain.filter((s) => s.when === 'after import' && result.items.some((i) => i.kind === s.kind && i.name === s.name && i.outcome === 'added'));
  const blocked = result.items.some((i) => i.outcome === 'not imported' || i.outcome === 'failed');
  return (
    <>
      {after.length > 0 && <SecretList title="Still to do by hand" secrets={after} file={null} />}
      {blocked && (
        <p>
          Add what is listed under “Not imported” (or correct what could not be added), then choose “Check the file again” and import: what is already here is left as
          it is.
        </p>
      )}
    </>
  );
}
