import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { useSearchParams } from 'react-router-dom';
import type { ConnectionInfo, Result } from '../../shared/api';
import type { PlatformKind } from '../../shared/domain';
import { client } from '../bridge/client';
import { Badge, Card, EmptyState, ErrorState, Loading, PageHeader, SandboxLabel } from '../components/ui';
import { formatTime } from '../format';
import { useAction, useEngine } from '../hooks';

const platformName: Record<PlatformKind, string> = {
  'esg-api': 'ESG platform (API-IN/OUT)',
  altruistiq: 'Altruistiq',
  pact: 'PACT data exchange',
};

/** Where each platform takes its token from, shown as help next to the auth URL field. */
const authHelp: Record<PlatformKind, string | null> = {
  'esg-api': null,
  altruistiq: 'Only if your Altruistiq tenant issues tokens from a separate address; otherwise leave empty.',
  pact: 'The PACT host’s auth address (its /auth/token or OpenID discovery). Leave empty when it is the same as the base URL.',
};

type TestOutcome = Result<'connections.test'>['test'];
type Notice = { tone: 'ok' | 'bad'; title: string; text: string } | null;

export function Connections() {
  const list = useEngine('connections.list', {}, ['connection.status']);
  const status = useEngine('engine.status', {}, ['engine.changed']);
  // /connections?add=1 (the dashboard's "Connect to your platform") opens the add form straight away.
  const [query] = useSearchParams();
  const [adding, setAdding] = useState(query.get('add') === '1');
  const [notice, setNotice] = useState<Notice>(null);
  const [rotating, setRotating] = useState<ConnectionInfo | null>(null);
  const [removing, setRemoving] = useState<ConnectionInfo | null>(null);
  const noSecrets = status.data && !status.data.secretStore.available;

  const addButton = (
    <button type="button" className="button primary" onClick={() => setAdding(true)} disabled={adding} aria-expanded={adding} aria-controls="add-connection">
      Add connection
    </button>
  );

  return (
    <>
      <PageHeader
        title="Connections"
        description="The platform service accounts this agent acts as. Secrets are kept in the system keychain and never shown again."
        actions={addButton}
      />
      {noSecrets && (
        <div className="banner banner-warn" role="status">
          Connections cannot be added or used on this computer yet: {status.data?.secretStore.message}
        </div>
      )}
      <div role="status" aria-live="polite">
        {notice && (
          <div className={`banner ${notice.tone === 'ok' ? '' : 'banner-bad'}`} style={notice.tone === 'ok' ? { background: 'var(--ok-bg)', color: 'var(--ok)' } : undefined}>
            <div style={{ flex: '1 1 30rem' }}>
              <strong>{notice.title}</strong> <span>{notice.text}</span>
            </div>
            <button type="button" className="button small" onClick={() => setNotice(null)}>
              Dismiss
            </button>
          </div>
        )}
      </div>
      {adding && (
        <AddConnectionForm
          onCancel={() => setAdding(false)}
          onSaved={(c, test) => {
            setAdding(false);
            setNotice({ tone: 'ok', title: `“${c.name}” saved and working.`, text: test.message });
            list.reload();
          }}
        />
      )}
      {list.error ? (
        <ErrorState message={list.error} onRetry={list.reload} />
      ) : !list.data ? (
        <Loading what="connections" />
      ) : list.data.length === 0 ? (
        !adding && (
          <EmptyState title="No connections yet" action={addButton}>
            A connection is a service account on your ESG platform: a client ID and a secret created by an administrator in the platform's API settings.
          </EmptyState>
        )
      ) : (
        <Card>
          <table className="table" aria-label="Connections">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Platform</th>
                <th scope="col">Client ID</th>
                <th scope="col">Scopes</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span style={visuallyHidden}>
                    Actions
                  </span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.map((c) => (
                <ConnectionRow
                  key={c.id}
                  c={c}
                  onTested={(t) =>
                    setNotice(t.ok ? { tone: 'ok', title: `“${c.name}” works.`, text: t.message } : { tone: 'bad', title: `“${c.name}” does not work.`, text: t.message })
                  }
                  onChanged={list.reload}
                  onRotate={() => setRotating(c)}
                  onRemove={() => setRemoving(c)}
                />
              ))}
            </tbody>
          </table>
        </Card>
      )}
      {rotating && (
        <RotateDialog
          connection={rotating}
          onClose={() => setRotating(null)}
          onRotated={(t) => {
            setNotice({ tone: 'ok', title: `The secret of “${rotating.name}” was replaced.`, text: t.message });
            setRotating(null);
            list.reload();
          }}
        />
      )}
      {removing && (
        <RemoveDialog
          connection={removing}
          onClose={() => setRemoving(null)}
          onRemoved={(text) => {
            setNotice({ tone: 'ok', title: `“${removing.name}” removed.`, text });
            setRemoving(null);
            list.reload();
          }}
        />
      )}
    </>
  );
}

const visuallyHidden = { position: 'absolute', width: 1, height: 1, overflow: 'hidden', clip: 'rect(0 0 0 0)', whiteSpace: 'nowrap' } as const;

function ConnectionRow({
  c,
  onTested,
  onChanged,
  onRotate,
  onRemove,
}: {
  c: ConnectionInfo;
  onTested: (t: TestOutcome) => void;
  onChanged: () => void;
  onRotate: () => void;
  onRemove: () => void;
}) {
  const test = useAction();
  const failure = c.lastTestOk === false ? (c.lastTestMessage ?? 'The last test failed.') : null;
  const [headline, ...detail] = (failure ?? '').split(': ');
  return (
    <tr>
      <td>
        {c.name} {c.sandbox && <SandboxLabel />}
      </td>
      <td>{platformName[c.kind]}</td>
      <td>
        <code style={{ wordBreak: 'normal', whiteSpace: 'nowrap' }}>{c.clientId}</code>
      </td>
      <td className="small">{c.scopes.join(', ') || '—'}</td>
      <td>{formatTime(c.createdAt)}</td>
      <td>{formatTime(c.lastUsedAt)}</td>
      <td>
        {test.busy ? (
          <Badge tone="info">Testing…</Badge>
        ) : c.lastTestOk === null ? (
          <Badge tone="neutral">Not tested</Badge>
        ) : c.lastTestOk ? (
          <Badge tone="ok">Working</Badge>
        ) : (
          <>
            <Badge tone="bad">Failing</Badge>
            <div className="small" style={{ color: 'var(--bad)', maxWidth: '24ch' }} title={detail.join(': ')}>
              {headline}
            </div>
          </>
        )}
        {c.lastTestAt && <div className="muted small">Tested {formatTime(c.lastTestAt)}</div>}
        {test.error && <div className="small" role="alert" style={{ color: 'var(--bad)' }}>{test.error}</div>}
      </td>
      <td>
        <div style={{ display: 'flex', gap: '0.35rem', flexWrap: 'wrap' }}>
          <button
            type="button"
            className="button small"
            disabled={test.busy}
            aria-label={`Test ${c.name}`}
            onClick={() =>
              void test.run(async () => {
                const r = await client.call('connections.test', { id: c.id });
                onTested(r.test);
                onChanged();
              })
            }
          >
            Test
          </button>
          <button type="button" className="button small" aria-label={`Rotate secret of ${c.name}`} onClick={onRotate}>
            Rotate secret
          </button>
          <button type="button" className="button small danger" aria-label={`Remove ${c.name}`} onClick={onRemove}>
            Remove
          </button>
        </div>
      </td>
    </tr>
  );
}

function Field({ label, help, children }: { label: string; help?: string | null; children: (id: string, helpId: string | undefined) => ReactNode }) {
  const id = useId();
  const helpId = help ? `${id}-help` : undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children(id, helpId)}
      {help && (
        <small id={helpId} className="muted">
          {help}
        </small>
      )}
    </div>
  );
}

/**
 * The verdict of a failed test, precise enough to act on. The message alone: it already says what
 * failed (the headline is its short form, for the list), and both together said it twice.
 */
function TestFailure({ test }: { test: TestOutcome }) {
  return (
    <div className="banner banner-bad" role="alert" style={{ display: 'block' }}>
      {test.message}
    </div>
  );
}

function AddConnectionForm({ onCancel, onSaved }: { onCancel: () => void; onSaved: (c: ConnectionInfo, t: TestOutcome) => void }) {
  const [kind, setKind] = useState<PlatformKind>('esg-api');
  const [name, setName] = useState('');
  const [baseUrl, setBaseUrl] = useState('');
  const [authUrl, setAuthUrl] = useState('');
  const [clientId, setClientId] = useState('');
  const [userEmail, setUserEmail] = useState('');
  const [scopes, setScopes] = useState('');
  const [failed, setFailed] = useState<TestOutcome | null>(null);
  // The secret is never React state: an uncontrolled input keeps it out of the value attribute,
  // and it is wiped from the field as soon as the connection is saved.
  const secretRef = useRef<HTMLInputElement>(null);
  const save = useAction();
  const firstRef = useRef<HTMLSelectElement>(null);
  useEffect(() => firstRef.current?.focus(), []);

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    setFailed(null);
    const secret = secretRef.current?.value ?? '';
    const r = await save.run(() =>
      client.call('connections.add', {
        name,
        kind,
        baseUrl,
        authUrl: authHelp[kind] && authUrl.trim() ? authUrl.trim() : null,
        clientId,
        clientSecret: secret,
        scopes: scopes.split(/[\s,]+/).filter(Boolean),
        userEmail: kind === 'altruistiq' ? userEmail.trim() || null : null,
      }),
    );
    if (!r) return;
    if (r.saved) {
      if (secretRef.current) secretRef.current.value = '';
      onSaved(r.connection, r.test);
    } else {
      setFailed(r.test);
    }
  };

  return (
    <Card title="Add connection">
      <form id="add-connection" aria-label="Add connection" onSubmit={(e) => void onSubmit(e)} autoComplete="off">
        <p className="muted small" style={{ marginTop: 0 }}>
          The agent gets a token and asks the platform who it is before anything is saved, so you know at once whether the credentials work.
        </p>
        <Field label="Platform">
          {(id) => (
            <select id={id} ref={firstRef} value={kind} onChange={(e) => setKind(e.target.value as PlatformKind)}>
              {(Object.keys(platformName) as PlatformKind[]).map((k) => (
                <option key={k} value={k}>
                  {platformName[k]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Name" help="How this connection is shown in jobs and history, e.g. “KEY ESG production”.">
          {(id, help) => <input id={id} aria-describedby={help} required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <Field label="Base URL" help="The platform’s API address, e.g. https://api.example.com. Plain http is accepted only for this computer (the sandbox).">
          {(id, help) => (
            <input id={id} aria-describedby={help} required type="url" inputMode="url" placeholder="https://" value={baseUrl} onChange={(e) => setBaseUrl(e.target.value)} />
          )}
        </Field>
        {authHelp[kind] && (
          <Field label="Auth URL (optional)" help={authHelp[kind]}>
            {(id, help) => <input id={id} aria-describedby={help} type="url" inputMode="url" value={authUrl} onChange={(e) => setAuthUrl(e.target.value)} />}
          </Field>
        )}
        <Field label="Client ID" help="From the service account (API key) page of the platform.">
          {(id, help) => <input id={id} aria-describedby={help} required spellCheck={false} value={clientId} onChange={(e) => setClientId(e.target.value)} />}
        </Field>
        <Field label="Client secret" help="Shown once by the platform when the key was created. It goes to the system keychain and is never shown again.">
          {(id, help) => <input id={id} aria-describedby={help} ref={secretRef} required type="password" autoComplete="new-password" spellCheck={false} />}
        </Field>
        {kind === 'altruistiq' && (
          <Field label="Altruistiq user e-mail" help="The Altruistiq user uploads are attributed to; they receive the upload notifications.">
            {(id, help) => <input id={id} aria-describedby={help} required type="email" value={userEmail} onChange={(e) => setUserEmail(e.target.value)} />}
          </Field>
        )}
        <Field label="Scopes to request (optional)" help="Separated by spaces. Leave empty to use everything the platform grants this service account.">
          {(id, help) => <input id={id} aria-describedby={help} spellCheck={false} value={scopes} onChange={(e) => setScopes(e.target.value)} />}
        </Field>
        {failed && <TestFailure test={failed} />}
        {save.error && <ErrorState message={save.error} />}
        <div className="form-actions">
          <button type="submit" className="button primary" disabled={save.busy}>
            {save.busy ? (
              <>
                <span className="spinner" aria-hidden="true" /> Testing and saving…
              </>
            ) : (
              'Test and save'
            )}
          </button>
          <button type="button" className="button" onClick={onCancel} disabled={save.busy}>
            Cancel
          </button>
        </div>
      </form>
    </Card>
  );
}

const dialogStyle = {
  background: 'var(--surface)',
  color: 'var(--text)',
  border: '1px solid var(--border)',
  borderRadius: 'var(--radius)',
  padding: '1.25rem 1.5rem',
  maxWidth: '36rem',
  width: 'calc(100% - 2rem)',
} as const;

/** A native modal dialog: focus is trapped and Escape closes it, without a library. */
function Modal({ title, onClose, children }: { title: string; onClose: () => void; children: ReactNode }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    // React's autoFocus runs before showModal, which then moves focus; so the dialog picks it.
    d?.querySelector<HTMLElement>('[data-autofocus]')?.focus();
    return () => d?.close();
  }, []);
  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      style={dialogStyle}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <h2 id={titleId} className="card-title">
        {title}
      </h2>
      {children}
    </dialog>
  );
}

function RotateDialog({ connection, onClose, onRotated }: { connection: ConnectionInfo; onClose: () => void; onRotated: (t: TestOutcome) => void }) {
  const secretRef = useRef<HTMLInputElement>(null);
  const [failed, setFailed] = useState<TestOutcome | null>(null);
  const rotate = useAction();
  const id = useId();

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    setFailed(null);
    const secret = secretRef.current?.value ?? '';
    const r = await rotate.run(() => client.call('connections.rotate', { id: connection.id, clientSecret: secret }));
    // Whatever happened, the typed secret leaves the page now.
    if (secretRef.current) secretRef.current.value = '';
    if (!r) return;
    if (r.rotated) onRotated(r.test);
    else setFailed(r.test);
  };

  return (
    <Modal title={`Rotate the secret of “${connection.name}”`} onClose={onClose}>
      <form onSubmit={(e) => void onSubmit(e)} autoComplete="off" aria-label="Rotate secret">
        <p className="muted">
          Create a new secret for client <code>{connection.clientId}</code> on the platform and paste it here. The agent proves it works before replacing the old one; if it does
          not, the old secret stays in use.
        </p>
        <div className="field">
          <label htmlFor={id}>New client secret</label>
          <input id={id} ref={secretRef} type="password" required autoComplete="new-password" spellCheck={false} data-autofocus />
        </div>
        {failed && <TestFailure test={failed} />}
        {rotate.error && <ErrorState message={rotate.error} />}
        <div className="form-actions">
          <button type="submit" className="button primary" disabled={rotate.busy}>
            {rotate.busy ? 'Testing the new secret…' : 'Test and replace'}
          </button>
          <button type="button" className="button" onClick={onClose} disabled={rotate.busy}>
            Cancel
          </button>
        </div>
      </form>
    </Modal>
  );
}

function RemoveDialog({ connection, onClose, onRemoved }: { connection: ConnectionInfo; onClose: () => void; onRemoved: (text: string) => void }) {
  const remove = useAction();
  const jobs = connection.usedByJobs;
  const onConfirm = async () => {
    const r = await remove.run(() => client.call('connections.remove', { id: connection.id, force: jobs.length > 0 }));
    if (!r) return;
    const parts = [
      r.secretRemoved ? 'Its secret was deleted from the keychain.' : '',
      r.jobsRemoved.length ? `Removed the jobs ${r.jobsRemoved.map((j) => `“${j}”`).join(', ')}; their history is kept.` : '',
      r.warning ?? '',
    ];
    onRemoved(parts.filter(Boolean).join(' '));
  };
  return (
    <Modal title={`Remove “${connection.name}”?`} onClose={onClose}>
      {jobs.length > 0 ? (
        <div className="banner banner-warn" style={{ display: 'block' }}>
          <p style={{ margin: '0 0 0.4rem' }}>
            <strong>
              {jobs.length === 1 ? 'One job uses' : `${jobs.length} jobs use`} this connection and will be removed with it:
            </strong>
          </p>
          <ul style={{ margin: 0 }}>
            {jobs.map((j) => (
              <li key={j}>{j}</li>
            ))}
          </ul>
          <p style={{ margin: '0.4rem 0 0' }}>Their run history is kept.</p>
        </div>
      ) : (
        <p>No jobs use this connection.</p>
      )}
      <p className="muted">The secret is deleted from the system keychain. To use this service account again you will need its secret.</p>
      {remove.error && <ErrorState message={remove.error} />}
      <div className="form-actions">
        <button type="button" className="button danger" disabled={remove.busy} onClick={() => void onConfirm()}>
          {remove.busy ? 'Removing…' : jobs.length ? `Remove connection and ${jobs.length === 1 ? 'its job' : `${jobs.length} jobs`}` : 'Remove connection'}
        </button>
        <button type="button" className="button" onClick={onClose} data-autofocus>
          Cancel
        </button>
      </div>
    </Modal>
  );
}
