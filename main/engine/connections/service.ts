/**
 * Connections: the platform service accounts the agent acts as. A connection's settings live in
 * SQLite; its secret lives only in the secret store (OS keychain), under the connection id.
 * Every change that involves a secret is proven against the platform first (token + whoami), so
 * a saved connection is one that worked, and a rotation never leaves the agent without a working
 * secret.
 */
import { REFUSED_BY_RUN } from '../../../shared/attention';
import type { Logger } from 'pino';
import type { PlatformKind, ServiceAccountInfo } from '../../../shared/domain';
import { createAdapter as defaultCreateAdapter, type ClosableAdapter, type CreateAdapterOptions } from '../platforms/factory';
import type { HttpOptions } from '../platforms/http';
import type { ConnectionConfig } from '../platforms/types';
import { rotateSecret, SecretStoreError, type SecretStore } from '../secrets';
import type { Store } from '../store';
import { systemClock, type Clock } from '../store/clock';
import type { ConnectionOptionsRecord, ConnectionRecord } from '../store/connections-repo';
import { ConnectionError } from './errors';
import { uniqueId } from './ids';
import { failureOutcome, successOutcome, type TestOutcome } from './outcome';

export interface NewConnection {
  name: string;
  kind: PlatformKind;
  baseUrl: string;
  authUrl?: string | null;
  clientId: string;
  clientSecret: string;
  /** Scopes to request with each token; empty = whatever the platform grants the account. */
  scopes?: string[];
  /** Altruistiq: the user uploads are attributed to. */
  userEmail?: string | null;
  sandbox?: boolean;
}

export interface ConnectionView extends ConnectionRecord {
  usedByJobs: string[];
}

export type AddResult = { saved: true; connection: ConnectionView; test: TestOutcome } | { saved: false; connection: null; test: TestOutcome };
export interface TestResult {
  connection: ConnectionView;
  test: TestOutcome;
}
export interface RotateResult {
  rotated: boolean;
  connection: ConnectionView;
  test: TestOutcome;
}
export interface RemoveResult {
  removed: string;
  jobsRemoved: string[];
  secretRemoved: boolean;
  /** Something the user still has to do by hand (e.g. an orphaned keychain entry). */
  warning: string | null;
}

export interface ConnectionStatusEvent {
  connectionId: string;
  ok: boolean;
  message: string | null;
}

export interface ConnectionServiceDeps {
  store: Store;
  /** The secret store, or a throw that says why there is none. */
  secrets: () => SecretStore;
  clock?: Clock;
  logger?: Logger;
  /** Transport settings for the credential test; tests shorten them. */
  http?: Partial<Omit<HttpOptions, 'baseUrl' | 'tokenProvider'>>;
  createAdapter?: (config: ConnectionConfig, opts: CreateAdapterOptions) => ClosableAdapter;
  onStatus?: (event: ConnectionStatusEvent) => void;
}

/**
 * A credential test is interactive: someone is waiting. It retries once and gives up sooner
 * than a sync run would, so "unreachable" is reported in seconds, not minutes.
 */
const TEST_HTTP: Partial<HttpOptions> = {
  maxAttempts: 2,
  baseDelayMs: 200,
  maxDelayMs: 2_000,
  maxRetryAfterMs: 5_000,
  connectTimeoutMs: 10_000,
  headersTimeoutMs: 20_000,
  bodyTimeoutMs: 20_000,
};

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

export class ConnectionService {
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly logger?: Logger;
  private readonly make: (config: ConnectionConfig, opts: CreateAdapterOptions) => ClosableAdapter;
  /** One secret-changing operation per connection at a time: two rotations must not interleave. */
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: ConnectionServiceDeps) {
    this.store = deps.store;
    this.clock = deps.clock ?? systemClock;
    this.logger = deps.logger;
    this.make = deps.createAdapter ?? defaultCreateAdapter;
  }

  list(): ConnectionView[] {
    return this.store.connections.list().map((c) => this.view(c));
  }

  get(idOrName: string): ConnectionView {
    const c = this.store.connections.get(idOrName);
    if (!c) {
      const names = this.store.connections.list().map((x) => `"${x.name}"`);
      throw new ConnectionError(
        'not_found',
        `There is no connection called "${idOrName}".${names.length ? ` Known connections: ${names.join(', ')}.` : ' No connections have been added yet.'}`,
      );
    }
    return this.view(c);
  }

  /** Tests the credentials (token + whoami) and saves the connection only when they work. */
  async add(input: NewConnection): Promise<AddResult> {
    const name = input.name.trim();
    const clientId = input.clientId.trim();
    if (name === '' || name.length > 100) throw new ConnectionError('invalid', 'A connection needs a name of 1 to 100 characters.');
    if (clientId === '') throw new ConnectionError('invalid', 'The client ID is empty. Copy it from the service account on the platform.');
    // No real secret starts or ends with whitespace: a pasted trailing space or line break goes.
    const clientSecret = input.clientSecret.trim();
    if (clientSecret.length === 0) throw new ConnectionError('invalid', 'The client secret is empty. Paste the secret shown when the key was created.');
    const baseUrl = checkUrl(input.baseUrl, 'base URL');
    const authUrl = input.authUrl ? checkUrl(input.authUrl, 'auth URL') : null;
    const userEmail = input.userEmail?.trim() || null;
    if (input.kind === 'altruistiq' && !userEmail) {
      throw new ConnectionError('invalid', 'Altruistiq needs the e-mail of the Altruistiq user that uploads are attributed to (it receives the upload notifications).');
    }
    // Refuse before calling the platform: a tested secret that cannot be kept is no use.
    const secrets = this.secretStore();
    // Adds run one at a time, so two with the same name cannot both pass the check below.
    return this.exclusive('\u0000add', () => this.addExclusive({ ...input, clientSecret }, { name, clientId, baseUrl, authUrl, userEmail }, secrets));
  }

  private async addExclusive(
    input: NewConnection,
    v: { name: string; clientId: string; baseUrl: string; authUrl: string | null; userEmail: string | null },
    secrets: SecretStore,
  ): Promise<AddResult> {
    const { name, clientId, baseUrl, authUrl, userEmail } = v;
    if (this.store.connections.get(name)) {
      throw new ConnectionError('conflict', `A connection called "${name}" already exists. Choose another name, or rotate that connection's secret instead.`);
    }
    const id = uniqueId(name, (candidate) => this.store.connections.get(candidate) !== null);
    const options: ConnectionOptionsRecord = {};
    if (input.scopes && input.scopes.length > 0) options.requestedScopes = [...input.scopes];
    if (userEmail) options.userEmail = userEmail;
    const draft: ConnectionRecord = {
      id,
      name,
      kind: input.kind,
      baseUrl,
      authUrl,
      clientId,
      scopes: input.scopes ?? [],
      sandbox: input.sandbox ?? false,
      createdAt: this.now(),
      lastUsedAt: null,
      lastTestAt: null,
      lastTestOk: null,
      lastTestMessage: null,
      options,
    };

    const test = await this.verify(draft, input.clientSecret);
    if (!test.ok) {
      this.logger?.info({ connection: name, kind: input.kind, code: test.code }, 'connection not added: credential test failed');
      return { saved: false as const, connection: null, test };
    }
    await this.keep(secrets, id, input.clientSecret);
    const record: ConnectionRecord = {
      ...draft,
      scopes: test.account?.scopes ?? draft.scopes,
      lastUsedAt: test.at,
      lastTestAt: test.at,
      lastTestOk: true,
      lastTestMessage: test.message,
    };
    try {
      this.store.connections.insert(record);
    } catch (err) {
      // The row is the only way to find the keychain entry again; without it the entry must go.
      await secrets.delete(id).catch(() => undefined);
      throw err;
    }
    this.logger?.info({ connection: id, kind: record.kind }, 'connection added');
    this.deps.onStatus?.({ connectionId: id, ok: true, message: test.message });
    return { saved: true as const, connection: this.get(id), test };
  }

  /** Tests the saved credentials and records the result (last test, scopes granted, last used). */
  async test(idOrName: string): Promise<TestResult> {
    const conn = this.get(idOrName);
    return this.exclusive(conn.id, async () => {
      let test: TestOutcome;
      try {
        const secrets = this.secretStore();
        const secret = await secrets.get(conn.id);
        test =
          secret === null
            ? {
                ok: false,
                at: this.now(),
                code: 'missing_secret',
                headline: 'Secret missing from the keychain',
                message:
                  secrets.kind === 'env'
                    ? `No secret for "${conn.name}" was found in ${secrets.describe(conn.id)}: this machine reads secrets from environment variables. Set it in the agent's environment and restart the agent.`
                    : `No secret for "${conn.name}" was found in ${secrets.describe(conn.id)}. It may have been deleted outside the agent; enter it again with "Rotate secret" on the Connections page (\`esg-sync connection rotate ${conn.id} --client-secret-stdin\`).`,
                status: null,
                account: null,
              }
            : await this.verify(conn, secret);
      } catch (err) {
        test = failureOutcome(this.now(), err);
      }
      this.record(conn.id, test);
      return { connection: this.get(conn.id), test };
    });
  }

  /**
   * Proves the new secret, then replaces the stored one. When the proof fails nothing changes and
   * the old secret stays in use; the keychain write is read back and undone if it did not stick.
   */
  async rotate(idOrName: string, pastedSecret: string): Promise<RotateResult> {
    const conn = this.get(idOrName);
    const newSecret = pastedSecret.trim();
    if (newSecret.length === 0) throw new ConnectionError('invalid', 'The new secret is empty; the old secret stays in use.');
    const secrets = this.secretStore();
    if (secrets.kind === 'env') {
      throw new ConnectionError(
        'secrets',
        `Secrets are read from environment variables on this machine, so the agent cannot replace the secret of "${conn.name}". Put the new secret in ${secrets.describe(conn.id)} and restart the agent.`,
      );
    }
    return this.exclusive(conn.id, async () => {
      let test: TestOutcome | null = null;
      try {
        await rotateSecret(secrets, conn.id, newSecret, async (candidate) => {
          test = await this.verify(conn, candidate);
          if (!test.ok) throw new RotationRefused();
        });
      } catch (err) {
        if (!(err instanceof RotationRefused)) throw err;
        const failed = test as unknown as TestOutcome;
        const kept: TestOutcome = { ...failed, message: `${failed.message} The new secret was not saved; the previous secret stays in use.` };
        // The old secret's own health is unknown here, so the connection's status is left alone.
        this.logger?.warn({ connection: conn.id, code: kept.code }, 'secret rotation refused: the new secret did not work');
        return { rotated: false, connection: this.get(conn.id), test: kept };
      }
      const ok = test as unknown as TestOutcome;
      this.record(conn.id, ok);
      this.logger?.info({ connection: conn.id }, 'connection secret rotated');
      return { rotated: true, connection: this.get(conn.id), test: ok };
    });
  }

  /**
   * Removes the connection and its keychain entry. Jobs that use it would be left pointing at
   * nothing, so they block the removal unless `force`, which removes those jobs too (their run
   * history stays).
   */
  async remove(idOrName: string, opts: { force?: boolean } = {}): Promise<RemoveResult> {
    const conn = this.get(idOrName);
    const jobs = this.store.connections.jobsUsing(conn.id);
    if (jobs.length > 0 && !opts.force) {
      throw new ConnectionError(
        'in_use',
        `The connection "${conn.name}" is used by ${jobs.length === 1 ? 'the job' : `${jobs.length} jobs:`} ${jobs.map((j) => `"${j}"`).join(', ')}. ` +
          'Remove those jobs or point them at another connection first, or remove the connection together with its jobs (--force).',
      );
    }
    return this.exclusive(conn.id, async () => {
      this.store.transaction(() => {
        for (const job of jobs) {
          const j = this.store.jobs.get(job);
          if (j) this.store.jobs.remove(j.id);
        }
        this.store.connections.remove(conn.id);
      });
      let secretRemoved = false;
      let warning: string | null = null;
      try {
        const secrets = this.secretStore();
        secretRemoved = await secrets.delete(conn.id);
        if (secrets.kind === 'env') warning = `Remove ${secrets.describe(conn.id)} from the agent's environment; the agent does not manage it.`;
      } catch (err) {
        warning =
          `The connection was removed, but its secret could not be deleted from the keychain: ${(err as Error).message} ` +
          'Delete the entry by hand in the system keychain (Keychain Access, Credential Manager or Seahorse).';
      }
      this.logger?.info({ connection: conn.id, jobsRemoved: jobs.length, secretRemoved }, 'connection removed');
      this.deps.onStatus?.({ connectionId: conn.id, ok: false, message: 'removed' });
      return { removed: conn.name, jobsRemoved: jobs, secretRemoved, warning };
    });
  }

  /** For sync and export runners: the connection's config with its secret, straight from the keychain. */
  async config(idOrName: string): Promise<ConnectionConfig & { options: ConnectionOptionsRecord }> {
    const conn = this.get(idOrName);
    const secrets = this.secretStore();
    const secret = await secrets.get(conn.id);
    if (secret === null) {
      throw new ConnectionError('secrets', `No secret for "${conn.name}" was found in ${secrets.describe(conn.id)}. Enter it again with "Rotate secret".`);
    }
    return { ...toConfig(conn, secret), options: conn.options ?? {} };
  }

  /** Records that the agent just used the connection successfully. */
  markUsed(idOrName: string): void {
    const conn = this.store.connections.get(idOrName);
    if (conn) this.store.connections.touch(conn.id, this.now());
  }

  /**
   * What a run learned about signing in, so the connection's status is not left "Signed in" while
   * every run is refused (it changed only when a person pressed Test): a refused secret marks it
   * failing; a run that signed in afterwards clears that.
   */
  noteSignIn(idOrName: string, outcome: { ok: true } | { ok: false; message: string }): void {
    const conn = this.store.connections.get(idOrName);
    if (!conn) return;
    const at = this.now();
    if (outcome.ok) {
      this.store.connections.touch(conn.id, at);
      if (conn.lastTestOk !== false) return;
      const message = 'Signed in: a run used this connection successfully.';
      this.store.connections.recordTest(conn.id, at, true, message);
      this.deps.onStatus?.({ connectionId: conn.id, ok: true, message });
      return;
    }
    const message = `${REFUSED_BY_RUN}: ${outcome.message}`;
    this.store.connections.recordTest(conn.id, at, false, message);
    this.deps.onStatus?.({ connectionId: conn.id, ok: false, message });
  }

  // ------------------------------------------------------------------ internals

  private async verify(conn: ConnectionRecord, secret: string): Promise<TestOutcome> {
    let adapter: ClosableAdapter | null = null;
    try {
      adapter = this.make(toConfig(conn, secret), {
        http: { ...TEST_HTTP, ...this.deps.http },
        logger: this.logger,
        platform: { userEmail: optionString(conn.options, 'userEmail') },
      });
      const account: ServiceAccountInfo = await adapter.whoami();
      return successOutcome(this.now(), account);
    } catch (err) {
      return failureOutcome(this.now(), err, secret);
    } finally {
      await adapter?.close().catch(() => undefined);
    }
  }

  private record(id: string, test: TestOutcome): void {
    const message = test.ok ? test.message : `${test.headline}: ${test.message}`;
    this.store.connections.recordTest(id, test.at, test.ok, message, test.ok ? test.account?.scopes : undefined);
    if (test.ok) this.store.connections.touch(id, test.at);
    this.deps.onStatus?.({ connectionId: id, ok: test.ok, message });
  }

  /** Stores a new connection's secret; where the store is read-only it must already hold it. */
  private async keep(secrets: SecretStore, id: string, secret: string): Promise<void> {
    if (secrets.kind === 'env') {
      if ((await secrets.get(id)) === secret) return;
      throw new ConnectionError(
        'secrets',
        `The credentials work, but no OS keychain is in use, so the agent cannot keep the secret. Set ${secrets.describe(id)} to the secret in the agent's environment, restart it, and add the connection again with the same name.`,
      );
    }
    await secrets.set(id, secret);
  }

  private secretStore(): SecretStore {
    try {
      return this.deps.secrets();
    } catch (err) {
      if (err instanceof ConnectionError) throw err;
      throw new ConnectionError('secrets', err instanceof Error ? err.message : String(err));
    }
  }

  private async exclusive<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(id) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.locks.set(id, tail);
    try {
      return await run;
    } finally {
      if (this.locks.get(id) === tail) this.locks.delete(id);
    }
  }

  private view(c: ConnectionRecord): ConnectionView {
    return { ...c, usedByJobs: this.store.connections.jobsUsing(c.id) };
  }

  private now(): string {
    return this.clock.now().toISOString();
  }
}

class RotationRefused extends Error {}

export function toConfig(conn: ConnectionRecord, clientSecret: string): ConnectionConfig {
  const requested = conn.options?.requestedScopes;
  return {
    id: conn.id,
    kind: conn.kind,
    baseUrl: conn.baseUrl,
    authUrl: conn.authUrl,
    clientId: conn.clientId,
    clientSecret,
    scopes: Array.isArray(requested) ? requested : [],
  };
}

function optionString(options: ConnectionOptionsRecord | undefined, key: string): string | undefined {
  const v = options?.[key];
  return typeof v === 'string' ? v : undefined;
}

/**
 * Secrets travel in the token request, so they go over TLS, except to this computer (the
 * sandbox, local test doubles) where there is no network to listen on.
 */
function checkUrl(raw: string, what: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new ConnectionError('invalid', `The ${what} "${raw}" is not a valid address. Use a full address such as https://api.example.com.`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
    throw new ConnectionError(
      'invalid',
      `The ${what} must start with https:// (got ${url.protocol}//${url.host}); credentials are never sent unencrypted. Plain http is accepted only for this computer (localhost).`,
    );
  }
  if (url.username || url.password) throw new ConnectionError('invalid', `The ${what} must not contain a user name or password.`);
  return url.toString().replace(/\/+$/, '');
}

export { SecretStoreError };
