/**
 * `esg-sync sandbox [--port N] [--faults SPEC] [--db FILE]`: runs the stand-in platform and tells
 * the user how to connect to it. The demo credentials are public by design (sandbox only).
 */
import type { Logger } from 'pino';
import { DEMO_ACCOUNT } from './auth';
import { parseFaultSpec, type FaultSpec } from './faults';
import { startSandbox, type RunningSandbox } from './server';

export interface SandboxCommandOptions {
  port?: number;
  host?: string;
  /** SQLite file for the sandbox's data; in memory when omitted. */
  dbPath?: string;
  /** Fault spec string, e.g. `latency=50,error500=0.2`. */
  faults?: string;
  tokenTtlSeconds?: number;
  json?: boolean;
  logger?: Logger;
  /** Where lines go (stdout by default). */
  print?: (line: string) => void;
  /** Keep running until SIGINT/SIGTERM, then close cleanly (what the CLI wants; tests leave it off). */
  untilSignal?: boolean;
}

export async function runSandboxCommand(opts: SandboxCommandOptions = {}): Promise<RunningSandbox> {
  const print = opts.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  // Parse before starting so a typo in --faults is a usage error, not a half-started server.
  const faults: FaultSpec | undefined = opts.faults ? parseFaultSpec(opts.faults) : undefined;
  const sandbox = await startSandbox({
    port: opts.port ?? 0,
    host: opts.host ?? '127.0.0.1',
    dbPath: opts.dbPath ?? ':memory:',
    tokenTtlSeconds: opts.tokenTtlSeconds,
    faults,
    logger: opts.logger,
  });
  const info = {
    url: sandbox.url,
    tokenUrl: `${sandbox.url}/oauth/token`,
    clientId: DEMO_ACCOUNT.clientId,
    clientSecret: DEMO_ACCOUNT.clientSecret,
    scopes: DEMO_ACCOUNT.scopes,
    database: opts.dbPath ?? ':memory:',
    faults: faults ?? null,
  };
  if (opts.json) {
    print(JSON.stringify(info));
  } else {
    print(`Sandbox ESG platform listening on ${info.url}`);
    print(`  token endpoint: ${info.tokenUrl}`);
    print(`  demo client ID: ${info.clientId}`);
    print(`  demo secret:    ${info.clientSecret}   (sandbox only — not a real credential)`);
    print(`  scopes:         ${info.scopes.join(' ')}`);
    print(`  data:           ${info.database === ':memory:' ? 'in memory (lost on exit)' : info.database}`);
    if (faults) print(`  faults:         ${opts.faults}`);
    print(`Add it with: echo ${info.clientSecret} | esg-sync connection add --kind esg-api --name Sandbox --base-url ${info.url} --client-id ${info.clientId} --client-secret-stdin`);
  }
  if (opts.untilSignal) {
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    await sandbox.close();
  }
  return sandbox;
}
