import { Command, CommanderError } from 'commander';
import { StoreError } from '../engine/store';
import { defaultDataDir } from '../engine/paths';
import { APP_VERSION } from '../engine/version';
import { registerAgent } from './commands/agent';
import { registerHistory } from './commands/history';
import { registerJob } from './commands/job';
import { registerSandbox } from './commands/sandbox';
import { registerConnection } from './commands/connection';
import { registerSource } from './commands/source';
import { registerMapping } from './commands/mapping';
import { registerPause } from './commands/pause';
import { registerStatus } from './commands/status';
import { registerCatalogue } from './commands/catalogue';
import { registerConfig } from './commands/config';
import { registerSettings } from './commands/settings';
import type { GlobalContext } from './context';
import { CliError, EXIT } from './exit-codes';
import { createOutput, terminalSafe } from './output';

export function buildProgram(): { program: Command; context: () => GlobalContext } {
  const program = new Command('esg-sync')
    .description('ESG Sync Agent: keeps ESG platforms in sync with local files and databases.')
    .version(APP_VERSION, '-V, --version', 'print the version')
    .option('--data-dir <dir>', 'data folder (store, logs)', defaultDataDir())
    .option('--json', 'print machine-readable JSON')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const context = (): GlobalContext => {
    const o = program.opts<{ dataDir: string; json?: boolean }>();
    return { dataDir: o.dataDir, out: createOutput(Boolean(o.json)) };
  };
  registerAgent(program, context);
  registerHistory(program, context);
  registerJob(program, context);
  registerSandbox(program, context);
  registerConnection(program, context);
  registerSource(program, context);
  registerMapping(program, context);
  registerPause(program, context);
  registerStatus(program, context);
  registerCatalogue(program, context);
  registerSettings(program, context);
  registerConfig(program, context);
  for (const cmd of program.commands) cmd.exitOverride();
  return { program, context };
}

/** Runs the CLI and resolves to the process exit code; never throws. */
export async function runCli(argv: string[]): Promise<number> {
  const { program } = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    const json = argv.includes('--json');
    const report = (message: string, code: number) => {
      if (json) process.stdout.write(JSON.stringify({ error: message, exitCode: code }) + '\n');
      process.stderr.write(`esg-sync: ${terminalSafe(message)}\n`);
      return code;
    };
    if (err instanceof CommanderError) {
      // --help and --version end through here with exit code 0.
      if (err.exitCode === 0) return EXIT.ok;
      // Commander has already printed its usage text on stderr; a script reading --json gets the same as for any error.
      if (json) process.stdout.write(JSON.stringify({ error: err.message.replace(/^error: /, ''), exitCode: EXIT.usage }) + '\n');
      return EXIT.usage;
    }
    if (err instanceof CliError) return (err as CliError & { silent?: boolean }).silent ? err.exitCode : report(err.message, err.exitCode);
    if (err instanceof StoreError) return report(err.message, EXIT.usage);
    return report(err instanceof Error ? err.message : String(err), EXIT.usage);
  }
}
