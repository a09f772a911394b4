import type { Logger } from 'pino';

/**
 * For a process that runs for months: a promise that rejects with nobody listening is logged
 * (with its stack, in agent.log) and the agent carries on, where Node would stop the process and
 * leave only a line on a stderr nobody reads. An exception thrown with nobody to catch it leaves
 * the process in an unknown state: logged as fatal, then the process exits (a service manager
 * restarts it; the next start takes over the lock and resends what was unanswered).
 */
export function guardProcess(logger: Logger, exit: (code: number) => void = (code) => process.exit(code)): () => void {
  const onRejection = (reason: unknown) => {
    logger.error({ err: reason instanceof Error ? { message: reason.message, stack: reason.stack } : String(reason) }, 'unexpected error: a failure nobody handled; the agent carries on');
  };
  const onException = (err: Error) => {
    logger.fatal({ err: { message: err.message, stack: err.stack } }, 'unexpected error: the agent stops');
    process.stderr.write(`ESG Sync Agent stopped on an unexpected error: ${err.stack ?? err.message}\n`);
    // A moment for the log line to reach the file.
    setTimeout(() => exit(70), 200).unref();
  };
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return () => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
  };
}
