import { Option, type Command } from 'commander';
import { z } from 'zod';
import { PlatformKind } from '../../../shared/domain';
import { ConnectionError, ConnectionService, type ConnectionView, type TestOutcome } from '../../engine/connections';
import { createLogger } from '../../engine/log';
import { logDirOf } from '../../engine/paths';
import { allowEnvFromEnvironment, openSecretStore, SecretStoreError, type SecretStore } from '../../engine/secrets';
import { Store } from '../../engine/store';
import type { GlobalContext } from '../context';
import { CliError, EXIT } from '../exit-codes';
import { table } from '../output';

/**
 * `esg-sync connection add|list|test|rotate|remove`. The secret is read from standard input only
 * (`--client-secret-stdin`): an argument would sit in the shell history and the process list.
 * Works beside a running agent: it opens the store directly (SQLite WAL allows it) and never
 * starts the engine, so it does not disturb runs.
 */
export function registerConnection(program: Command, ctx: () => GlobalContext): void {
  const connection = program.command('connection').description('add, list, test, rotate or remove platform connections (service accounts)');

  connection
    .command('add')
    .description('test a service account (token + whoami) and save it; the secret goes to the OS keychain')
    .requiredOption('--name <name>', 'a name for the connection')
    .addOption(new Option('--kind <kind>', 'platform kind').choices(PlatformKind.options).makeOptionMandatory())
    .requiredOption('--base-url <url>', "the platform's API base URL")
    .option('--auth-url <url>', 'token endpoint or auth host, where the platform has a separate one')
    .requiredOption('--client-id <id>', 'client ID of the service account')
    .option('--client-secret-stdin', 'read the client secret from standard input (the only way to pass it)')
    .option('--scope <scope...>', 'scopes to request (default: all the account is granted)')
    .option('--user-email <email>', 'Altruistiq (required there): e-mail of the Altruistiq user uploads are attributed to; they get the upload notifications')
    .option('--sandbox', 'mark as the built-in sandbox platform')
    .action(
      async (opts: {
        name: string;
        kind: PlatformKind;
        baseUrl: string;
        authUrl?: string;
        clientId: string;
        clientSecretStdin?: boolean;
        scope?: string[];
        userEmail?: string;
        sandbox?: boolean;
      }) => {
        const userEmail = checkUserEmail(opts.kind, opts.userEmail);
        const secret = await secretFromStdin(opts.clientSecretStdin);
        await withService(ctx, async (service, { out }) => {
          const r = await service.add({
            name: opts.name,
            kind: opts.kind,
            baseUrl: opts.baseUrl,
            authUrl: opts.authUrl ?? null,
            clientId: opts.clientId,
            clientSecret: secret,
            scopes: opts.scope ?? [],
            userEmail,
            sandbox: Boolean(opts.sandbox),
          });
          out.print({ saved: r.saved, connection: r.connection ? publicView(r.connection) : null, test: r.test }, () =>
            r.saved ? `Connection "${r.connection.name}" (id ${r.connection.id}) saved. ${r.test.message}` : describeFailure(r.test, 'Nothing was saved.'),
          );
          if (!r.saved) throw new PlatformExit();
        });
      },
    );

  connection
    .command('list')
    .description('list connections (never their secrets)')
    .action(async () => {
      await withService(ctx, async (service, { out }) => {
        const list = service.list();
        out.print(list.map(publicView), () =>
          list.length
            ? table(
                list.map((c) => ({
                  id: c.id,
                  name: c.name,
                  platform: c.kind,
                  'client id': c.clientId,
                  scopes: c.scopes.join(' '),
                  created: c.createdAt.slice(0, 19).replace('T', ' '),
                  'last used': c.lastUsedAt ? c.lastUsedAt.slice(0, 19).replace('T', ' ') : '',
                  status: c.lastTestOk === null ? 'not tested' : c.lastTestOk ? 'working' : 'failing',
                  jobs: c.usedByJobs.length,
                })),
                ['id', 'name', 'platform', 'client id', 'scopes', 'created', 'last used', 'status', 'jobs'],
              )
            : 'No connections yet. Add one with `esg-sync connection add --client-secret-stdin ...`.',
        );
      }, { needSecrets: false });
    });

  connection
    .command('test <connection>')
    .description('get a token and call whoami with the saved credentials')
    .action(async (name: string) => {
      await withService(ctx, async (service, { out }) => {
        const r = await service.test(name);
        out.print({ connection: publicView(r.connection), test: r.test }, () =>
          r.test.ok ? `"${r.connection.name}" works. ${r.test.message}` : describeFailure(r.test),
        );
        if (!r.test.ok) throw new PlatformExit();
      });
    });

  connection
    .command('rotate <connection>')
    .description('replace the secret: the new one is proven first; the old one stays if it fails')
    .option('--client-secret-stdin', 'read the new client secret from standard input (the only way to pass it)')
    .action(async (name: string, opts: { clientSecretStdin?: boolean }) => {
      const secret = await secretFromStdin(opts.clientSecretStdin);
      await withService(ctx, async (service, { out }) => {
        const r = await service.rotate(name, secret);
        out.print({ rotated: r.rotated, connection: publicView(r.connection), test: r.test }, () =>
          r.rotated ? `The secret of "${r.connection.name}" was replaced. ${r.test.message}` : describeFailure(r.test),
        );
        if (!r.rotated) throw new PlatformExit();
      });
    });

  connection
    .command('remove <connection>')
    .description('remove a connection and its keychain entry')
    .option('--force', 'also remove the jobs that use it (their history is kept)')
    .action(async (name: string, opts: { force?: boolean }) => {
      await withService(ctx, async (service, { out }) => {
        const r = await service.remove(name, { force: Boolean(opts.force) });
        out.print(r, () =>
          [
            `Removed the connection "${r.removed}"${r.secretRemoved ? ' and its secret in the keychain' : ''}.`,
            r.jobsRemoved.length ? `Also removed the jobs: ${r.jobsRemoved.join(', ')}.` : '',
            r.warning ?? '',
          ]
            .filter(Boolean)
            .join('\n'),
        );
      }, { needSecrets: 'optional' });
    });
}

/** Altruistiq attributes uploads to a user by e-mail; no other platform takes one. Checked before the secret is read. */
function checkUserEmail(kind: PlatformKind, email: string | undefined): string | null {
  const value = email?.trim() || null;
  if (kind !== 'altruistiq') {
    if (value) throw new CliError(`--user-email is only for Altruistiq connections; a ${kind} connection does not use it. Leave it out.`);
    return null;
  }
  if (!value) {
    throw new CliError(
      'An Altruistiq connection needs --user-email: the e-mail of the Altruistiq user that uploads are attributed to (they receive the upload notifications).',
    );
  }
  if (!z.email().safeParse(value).success) throw new CliError(`--user-email "${value}" is not an e-mail address. Give the Altruistiq user's e-mail, e.g. ops@example.com.`);
  return value;
}

/** Ends the command with exit code 3 after its result was printed. */
class PlatformExit extends CliError {
  constructor() {
    super('The platform could not be reached or did not accept the credentials (see above).', EXIT.platform);
  }
}

function describeFailure(t: TestOutcome, extra = ''): string {
  return `${t.headline}. ${t.message}${extra ? ` ${extra}` : ''}`;
}

/** What the CLI prints about a connection: the stored record minus internal options. */
function publicView(c: ConnectionView) {
  const { options, ...rest } = c;
  return { ...rest, userEmail: typeof options?.userEmail === 'string' ? options.userEmail : null };
}

async function secretFromStdin(flag: boolean | undefined): Promise<string> {
  if (!flag) {
    throw new CliError(
      'The client secret is read only from standard input, never from the command line (it would be kept in shell history and visible in the process list). ' +
        'Pass --client-secret-stdin and pipe it in, e.g. `cat secret.txt | esg-sync connection add ... --client-secret-stdin`.',
    );
  }
  if (process.stdin.isTTY) process.stderr.write('Client secret (input is not echoed when piped; end with Enter): ');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  // One trailing newline (from echo or a file) is not part of the secret; other whitespace may be.
  const secret = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  chunks.forEach((c) => c.fill(0));
  if (secret.length === 0) throw new CliError('Standard input was empty: no client secret was given.');
  return secret;
}

async function withService(
  ctx: () => GlobalContext,
  fn: (service: ConnectionService, c: GlobalContext) => Promise<void>,
  opts: { needSecrets: boolean | 'optional' } = { needSecrets: true },
): Promise<void> {
  const c = ctx();
  const logger = createLogger({ logDir: logDirOf(c.dataDir) });
  let secrets: SecretStore | null = null;
  let secretsError: Error | null = null;
  if (opts.needSecrets !== false) {
    try {
      secrets = await openSecretStore({
        allowEnv: allowEnvFromEnvironment(),
        keychain: process.env.ESG_SYNC_KEYCHAIN_SERVICE ? { service: process.env.ESG_SYNC_KEYCHAIN_SERVICE } : undefined,
        logger,
      });
    } catch (err) {
      if (opts.needSecrets === true) throw new CliError((err as Error).message, EXIT.usage);
      secretsError = err as Error;
    }
  }
  const store = Store.open(c.dataDir);
  try {
    const service = new ConnectionService({
      store,
      secrets: () => {
        if (secrets) return secrets;
        throw secretsError ?? new Error('No secret store is available.');
      },
      logger,
    });
    await fn(service, c);
  } catch (err) {
    if (err instanceof ConnectionError) throw new CliError(err.message, EXIT.usage);
    if (err instanceof SecretStoreError) throw new CliError(err.message, EXIT.usage);
    throw err;
  } finally {
    store.close();
    await new Promise<void>((resolve) => logger.flush(() => resolve()));
  }
}
