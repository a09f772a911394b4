import { Option, type Command } from 'commander';
import { z } from 'zod';
import type { ConnectionTest } from '../../../shared/contract/connections';
import { PlatformKind } from '../../../shared/domain';
import type { ConnectionInfo } from '../../../shared/dto';
import type { GlobalContext } from '../context';
import { cliTime } from '../time';
import { callEngine } from '../engine-call';
import { CliError, EXIT } from '../exit-codes';
import { table } from '../output';
import { sh } from '../../engine/config-transfer/commands';
import { readSecretFromStdin } from '../stdin-secret';

/**
 * `esg-sync connection add|list|test|rotate|remove`, each through callEngine with the methods the
 * Connections page calls: when an agent runs on the data folder it makes the change itself, so its
 * scheduler and jobs see a new, rotated or removed connection at once; otherwise the engine is
 * opened in this process for the one call.
 *
 * The secret is read from standard input only (`--client-secret-stdin`): an argument would sit in
 * the shell history and the process list. To a running agent it travels in the body of one
 * request to its loopback, token-protected API (agent.json), which never logs params; it is not
 * echoed back by any result.
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
        const secret = await secretFromStdin(opts.clientSecretStdin, 'esg-sync connection add ...');
        const c = ctx();
        const r = await callEngine(c.dataDir, 'connections.add', {
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
        c.out.print({ saved: r.saved, connection: r.connection ? publicView(r.connection) : null, test: r.test }, () =>
          r.saved ? `Connection "${r.connection.name}" (id ${r.connection.id}) saved. ${r.test.message}` : describeFailure(r.test, 'Nothing was saved.'),
        );
        if (!r.saved) throw new PlatformExit();
      },
    );

  connection
    .command('list')
    .description('list connections (never their secrets)')
    .action(async () => {
      const c = ctx();
      const list = await callEngine(c.dataDir, 'connections.list', {});
      c.out.print(list.map(publicView), () =>
        list.length
          ? table(
              list.map((x) => ({
                id: x.id,
                name: x.name,
                platform: x.kind,
                'client id': x.clientId,
                scopes: x.scopes.join(' '),
                created: cliTime(x.createdAt),
                'last used': x.lastUsedAt ? cliTime(x.lastUsedAt) : '',
                status: x.lastTestOk === null ? 'not tested' : x.lastTestOk ? 'working' : 'failing',
                jobs: x.usedByJobs.length,
              })),
              ['id', 'name', 'platform', 'client id', 'scopes', 'created', 'last used', 'status', 'jobs'],
            )
          : 'No connections yet. Add one with `esg-sync connection add --client-secret-stdin ...`.',
      );
    });

  connection
    .command('test <connection>')
    .description('get a token and call whoami with the saved credentials')
    .action(async (name: string) => {
      const c = ctx();
      const r = await callEngine(c.dataDir, 'connections.test', { id: name });
      c.out.print({ connection: publicView(r.connection), test: r.test }, () =>
        r.test.ok ? `"${r.connection.name}" works. ${r.test.message}` : describeFailure(r.test),
      );
      if (!r.test.ok) throw new PlatformExit(r.test);
    });

  connection
    .command('rotate <connection>')
    .description('replace the secret: the new one is proven first; the old one stays if it fails')
    .option('--client-secret-stdin', 'read the new client secret from standard input (the only way to pass it)')
    .action(async (name: string, opts: { clientSecretStdin?: boolean }) => {
      const secret = await secretFromStdin(opts.clientSecretStdin, `esg-sync connection rotate ${sh(name)}`);
      const c = ctx();
      const r = await callEngine(c.dataDir, 'connections.rotate', { id: name, clientSecret: secret });
      c.out.print({ rotated: r.rotated, connection: publicView(r.connection), test: r.test }, () =>
        r.rotated ? `The secret of "${r.connection.name}" was replaced. ${r.test.message}` : describeFailure(r.test),
      );
      if (!r.rotated) throw new PlatformExit();
    });

  connection
    .command('remove <connection>')
    .description('remove a connection and its keychain entry (refused while jobs use it, unless --force)')
    .option('--force', 'also remove the jobs that use it (their history is kept)')
    .action(async (name: string, opts: { force?: boolean }) => {
      const c = ctx();
      const r = await callEngine(c.dataDir, 'connections.remove', { id: name, force: Boolean(opts.force) });
      c.out.print(r, () =>
        [
          `Removed the connection "${r.removed}"${r.secretRemoved ? ' and its secret in the keychain' : ''}.`,
          r.jobsRemoved.length ? `Also removed the jobs: ${r.jobsRemoved.join(', ')}.` : '',
          r.warning ?? '',
        ]
          .filter(Boolean)
          .join('\n'),
      );
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

/**
 * Ends the command after its result was printed: exit code 3 when the platform could not be reached
 * or refused the credentials, 2 when the secret is missing here (a local setup problem, as `run` says).
 */
class PlatformExit extends CliError {
  constructor(test?: ConnectionTest) {
    const missing = test?.code === 'missing_secret';
    super(missing ? 'The secret of this connection is missing here (see above).' : 'The platform could not be reached or did not accept the credentials (see above).', missing ? EXIT.usage : EXIT.platform);
  }
}

/** The full message only: the headline is a badge in the UI, and in a sentence it said the same twice. */
function describeFailure(t: ConnectionTest, extra = ''): string {
  return `${t.message}${extra ? ` ${extra}` : ''}`;
}

/** What the CLI prints about a connection: the contract's view, with userEmail always present. */
function publicView(c: ConnectionInfo): ConnectionInfo & { userEmail: string | null } {
  return { ...c, userEmail: c.userEmail ?? null };
}

/** `example`: the command as the person would type it, with the secret piped in. */
async function secretFromStdin(flag: boolean | undefined, example: string): Promise<string> {
  if (!flag) {
    throw new CliError(
      'The client secret is read only from standard input, never from the command line (it would be kept in shell history and visible in the process list). ' +
        `Pass --client-secret-stdin and pipe it in, e.g. \`cat secret.txt | ${example} --client-secret-stdin\`.`,
    );
  }
  return readSecretFromStdin('client secret');
}
