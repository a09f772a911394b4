import { runCli } from './cli';

// process.exitCode (not process.exit) lets streams flush before the process ends.
void runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
