// How every worker process starts, so each worker's worker.ts only names its
// queue and processor: environment (.env as fallback), configuration, logger,
// the runtime, and signal handling. Workers need no Slack settings: the
// controller tells each job's thread what happened.
import {
  createLogger,
  isCodedError,
  loadProcessConfig,
  Releasers,
  toCodedError,
  type Config,
  type Logger,
  type QueueName,
} from '@agentops/core';
import { exitOnSignals, startWorkerRuntime, type Processor, type WorkerHandle } from './runtime.js';

export interface WorkerProcessOptions {
  /** e.g. "local-worker": the logger's name and the prefix of log lines. */
  name: string;
  queue: QueueName;
  /**
   * Builds the processor once, at start. A coded error thrown here (say, a
   * working directory that does not exist) stops the process with its message.
   * What it starts beside the processor (a listener, a timer) it registers in
   * `releasers`, released once the runtime has stopped.
   */
  createProcessor(config: Config, logger: Logger, releasers: Releasers): Processor | Promise<Processor>;
}

/**
 * A start-up problem is the operator's to fix, and the coded message says
 * what and how; a stack trace would only bury it. Anything else is a bug and
 * keeps its stack.
 */
function refuseToStart(error: unknown): undefined {
  if (!isCodedError(error)) throw error;
  process.stderr.write(`${error.message}\n`);
  // Let the process end on its own (nothing is open yet) so stderr is flushed.
  process.exitCode = 1;
  return undefined;
}

/** Starts the worker process; resolves once it claims jobs (undefined if it refused to start). */
export async function runWorkerProcess(options: WorkerProcessOptions): Promise<WorkerHandle | undefined> {
  const config = loadProcessConfig();
  if (!config) return undefined;
  const logger = createLogger({
    name: options.name,
    level: config.logLevel,
    format: config.logFormat,
    secrets: config.secrets,
  });

  const owned = new Releasers();
  const releaseOwned = () =>
    owned.releaseAll({
      onFailure: ({ name, error }) =>
        logger.warn({ err: toCodedError(error), resource: name }, `Error releasing ${name}`),
    });
  let processor: Processor;
  try {
    processor = await options.createProcessor(config, logger, owned);
  } catch (error) {
    await releaseOwned();
    return refuseToStart(error);
  }
  const handle = await startWorkerRuntime({
    name: options.name,
    queue: options.queue,
    config,
    processor,
    logger,
  });
  exitOnSignals(async () => {
    await handle.close();
    await releaseOwned();
  }, logger);
  return handle;
}
