import { applyHeapPolicy } from '../engine/runtime/heap-policy';
import { runCli } from './cli';

// Before any work: an agent runs unattended for months and its peak memory is what a server budgets for.
applyHeapPolicy();

// process.exitCode (not process.exit) lets streams flush before the process ends.
void runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
