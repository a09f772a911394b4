import type { Command } from 'commander';
import { runSandboxCommand } from '../../sandbox';
import { CliError } from '../exit-codes';
import type { GlobalContext } from '../context';

export function registerSandbox(program: Command, ctx: () => GlobalContext): void {
  program
    .command('sandbox')
    .description('run the local stand-in ESG platform (demo account sandbox-client / sandbox-secret)')
    .option('--port <n>', 'port (0 picks a free one)', '4791')
    .option('--db <file>', 'keep the sandbox data in this SQLite file (default: in memory)')
    .option('--faults <spec>', 'inject faults, e.g. "error500=0.2,rate429=0.05,retryAfter=1,reset=0.05,tokenExpiry=30"')
    .option('--token-ttl <seconds>', 'token lifetime', '3600')
    .action(async (o: { port: string; db?: string; faults?: string; tokenTtl: string }) => {
      const { out } = ctx();
      const port = Number.parseInt(o.port, 10);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError('--port takes a number from 0 to 65535.');
      try {
        await runSandboxCommand({ port, dbPath: o.db, faults: o.faults, tokenTtlSeconds: Number(o.tokenTtl), json: out.json, untilSignal: true });
      } catch (err) {
        throw new CliError(err instanceof Error ? err.message : String(err));
      }
    });
}
