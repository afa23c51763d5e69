// The controller process: loads config, connects Redis (waiting for it if it is
// down), builds the queue manager and router, starts the Slack app in Socket
// Mode (or runs in local mode), and shuts everything down in reverse order.
import { setTimeout as sleep } from 'node:timers/promises';
import {
  connectRedis,
  createLogger,
  describeMode,
  describeRedis,
  loadProcessConfig,
  Releasers,
  toCodedError,
  type Config,
  type Logger,
  type Redis,
} from '@agentops/core';
import { startOpsServer } from './ops/http.js';
import { listenForFinishedJobs } from './queue/events.js';
import { createMetrics } from './ops/metrics.js';
import { startControllerMemory } from './memory/index.js';
import { QueueManager } from './queue/manager.js';
import { createConfiguredRouter } from './router/index.js';
import { createSlackApp } from './slack/app.js';
import { registerListeners } from './slack/listeners/index.js';
import { createMessenger } from './slack/messenger.js';
import { createReceiptLinks } from './slack/receipt-links.js';
import { createIdempotency } from './intake/idempotency.js';

/** The longest shutdown may take before the process exits anyway. */
const SHUTDOWN_DEADLINE_MS = 10_000;

/** Connects to Redis, retrying with a clear log line until it answers or `stopping()` says to give up. */
async function connectWithRetry(config: Config, logger: Logger, stopping: () => boolean): Promise<Redis | undefined> {
  for (let attempt = 1; !stopping(); attempt += 1) {
    try {
      return await connectRedis(config, 'producer', { timeoutMs: 3_000 });
    } catch (error) {
      const delay = Math.min(1_000 * attempt, 5_000);
      logger.warn(`[controller] ${toCodedError(error).message}; retrying in ${Math.round(delay / 1_000)} s`);
      await sleep(delay);
    }
  }
  return undefined;
}

async function main(): Promise<void> {
  const config = loadProcessConfig();
  if (!config) return;
  const logger = createLogger({
    name: 'controller',
    level: config.logLevel,
    format: config.logFormat,
    secrets: config.secrets,
  });
  const releasers = new Releasers();
  let stopping = false;

  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`[controller] Received ${signal}, shutting down`);
    const deadline = setTimeout(() => {
      logger.error(`[controller] Shutdown took longer than ${SHUTDOWN_DEADLINE_MS / 1_000} s; exiting`);
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS);
    await releasers.releaseAll({
      onFailure: ({ name, error }) =>
        logger.warn({ err: toCodedError(error), resource: name }, `[controller] Error while releasing ${name}`),
    });
    clearTimeout(deadline);
    logger.info('[controller] Stopped');
    // Socket Mode can leave a reconnect timer behind; nothing is left to wait for.
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  // @slack/socket-mode 3.1 can reject with `undefined` when stopped mid-connect: log, never crash.
  process.on('unhandledRejection', (reason) =>
    logger.warn({ reason: String(reason) }, '[controller] Unhandled promise rejection'),
  );

  logger.info(`[controller] ${describeMode(config)}`);
  logger.info(`[controller] Connecting to Redis at ${describeRedis(config)}`);
  const redis = await connectWithRetry(config, logger, () => stopping);
  if (!redis) return;
  releasers.add('redis', async () => {
    await redis.quit().catch(() => redis.disconnect());
  });
  logger.info({ redis: 'ready' }, `[controller] Redis ready at ${describeRedis(config)}`);
  redis.on('end', () => undefined);
  redis.on('reconnecting', () =>
    logger.warn({ redis: 'reconnecting' }, `[controller] Lost Redis at ${describeRedis(config)}; reconnecting`),
  );
  redis.on('ready', () => logger.info({ redis: 'ready' }, `[controller] Redis ready at ${describeRedis(config)}`));

  const manager = new QueueManager({
    connection: redis,
    prefix: config.redis.prefix,
    onError: (error) => logger.debug({ err: toCodedError(error) }, `[queue] ${error.message}`),
  });
  releasers.add('queues', () => manager.close());
  const metrics = createMetrics(manager);
  const route = createConfiguredRouter(config, {
    logger,
    onDecision: metrics.routed,
    onLlmCall: metrics.llmCall,
  });
  const jobEvents = listenForFinishedJobs(config, manager, logger, (job) =>
    metrics.jobFinished(job.queue, job.outcome, job.durationSeconds),
  );
  releasers.add('job events', () => jobEvents.close());
  // Optional: runs without Qdrant and turns itself on when it appears.
  const jobMemory = startControllerMemory(config, manager, redis, logger);
  releasers.add('job memory', () => jobMemory.close());

  const slackApp = config.slack ? createSlackApp(config.slack, config.slackApiUrl, logger) : undefined;
  const ops = await startOpsServer({
    config,
    manager,
    redis,
    metrics,
    logger,
    ...(slackApp ? { slack: slackApp.connection } : {}),
  });
  releasers.add('operations server', () => ops.close());

  if (!config.slack || !slackApp) {
    logger.info('[controller] Running without Slack; manage jobs with `npx agentops` (see `npx agentops help`)');
    return;
  }
  const { app } = slackApp;
  const messenger = createMessenger(app.client, logger, metrics.slackError);
  const auth = await app.client.auth.test();
  const deps = {
    config,
    manager,
    route,
    messenger,
    logger,
    memory: jobMemory.memory,
    memoryView: {
      receiptBudgetMs: config.qdrant.receiptBudgetMs,
      receipts: jobMemory.receipts,
      ...(auth.url ? { workspaceUrl: auth.url } : {}),
    },
    idempotency: createIdempotency(redis, config.redis.prefix),
    receiptLinks: createReceiptLinks(redis, config.redis.prefix),
    access: { allowedUsers: config.access.allowedUsers, codeAllowedUsers: config.access.codeAllowedUsers },
    scope: {
      channelId: config.slack.channelId,
      ...(auth.user_id ? { botUserId: auth.user_id } : {}),
      ...(auth.bot_id ? { botId: auth.bot_id } : {}),
    },
  };
  registerListeners(app, deps);
  await app.start();
  releasers.add('slack app', () => app.stop());
  logger.info('[controller] Bolt app running in Socket Mode');
  logger.info(`[controller] Listening on channel: ${config.slack.channelId}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`[controller] Failed to start: ${toCodedError(error).message}\n`);
  process.exit(1);
});
