// The controller process: loads config, connects Redis (waiting for it if it is
// down), builds the queue manager and router, starts the intake inbox's
// consumer and the job history's feed and, in Slack mode, the Slack app in
// Socket Mode, the delivery service (the one sender of Slack messages) and the
// job-thread feed; then
// shuts everything down in reverse order.
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis as IORedis } from 'ioredis';
import {
  connectRedis,
  createConversationStore,
  createCrashHook,
  redisOptions,
  createLogger,
  describeMode,
  describeRedis,
  loadProcessConfig,
  Releasers,
  toCodedError,
  type Config,
  type Logger,
  type Redis,
  type SlackConfig,
} from '@agentops/core';
import { packageVersion, startOpsServer } from './ops/http.js';
import { startApi } from './api/start.js';
import { loadHooksFile } from './webhooks/hooks-file.js';
import { listenForFinishedJobs } from './queue/events.js';
import { createMetrics } from './ops/metrics.js';
import { startControllerMemory, type ControllerMemory } from './memory/index.js';
import { startControllerHistory } from './history/index.js';
import { QueueManager } from './queue/manager.js';
import { createConfiguredRouter } from './router/index.js';
import { createSlackApp } from './slack/app.js';
import { registerListeners } from './slack/listeners/index.js';
import { createMessenger } from './slack/messenger.js';
import { createReceiptLinks } from './slack/receipt-links.js';
import { startApprovalFeed } from './slack/approval-feed.js';
import { createApprovalStore } from './approvals/store.js';
import { createWorkspaces } from './workspaces/index.js';
import { createAccessGuard } from './access/guard.js';
import { createRoles, type Roles } from './access/roles.js';
import { createAuditLog } from './audit/log.js';
import { OTHER_LIMITS } from './delivery/buckets.js';
import { createSlackDirectory } from './delivery/directory.js';
import { createOutbox } from './delivery/outbox.js';
import { createDeliveryService, type DeliveryService } from './delivery/service.js';
import { handleCliRequest } from './intake/cli-requests.js';
import { createInbox, type InboxEntry } from './intake/inbox.js';
import { createPlans } from './intake/plans.js';
import { createThreadChain } from './conversations/chain.js';
import { createDurations } from './queue/durations.js';
import { startJobThreads } from './slack/job-threads.js';
import { startLimitNotices } from './slack/limit-notices.js';
import { startWaitingCards } from './slack/waiting-cards.js';
import { createBulkConfirmations } from './commands/bulk.js';
import { startFailureFeed, type FailureFeedOptions } from './digest/feed.js';
import { createDigestStore } from './digest/store.js';
import { createScheduleQueue } from './queue/schedules.js';
import { startScheduleRuns, submitRunWithoutSlack, type SubmitRun } from './schedules/runs.js';
import { createSchedules } from './schedules/service.js';
import { createScheduleStore } from './schedules/store.js';
import { createDigestPublisher } from './slack/digest-posts.js';
import { submitRunInSlack } from './slack/schedule-runs.js';
import { handleSlackRequest } from './slack/requests.js';
import type { SlackDeps } from './slack/context.js';

/** Inbox entries handled at once. */
const INTAKE_CONCURRENCY = 64;

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

interface SlackSide {
  config: Config;
  slack: SlackConfig;
  app: ReturnType<typeof createSlackApp>['app'];
  service: DeliveryService;
  /** What every Slack handler shares with the rest of the controller. */
  base: Pick<
    SlackDeps,
    | 'config'
    | 'manager'
    | 'route'
    | 'inbox'
    | 'plans'
    | 'outbox'
    | 'durations'
    | 'crash'
    | 'logger'
    | 'guard'
    | 'audit'
    | 'threads'
    | 'conversations'
    | 'history'
  >;
  roles: Roles;
  redis: Redis;
  memory: ControllerMemory;
  newConnection: () => Redis;
  releasers: Releasers;
}

/** Starts the delivery service, the job-thread feed and the waiting cards; returns what the Slack handlers need. */
async function startSlackSide(side: SlackSide): Promise<SlackDeps> {
  const { config, app, service, base, releasers } = side;
  const { manager, outbox, durations, logger } = base;
  await service.start();
  releasers.add('delivery', () => service.stop());
  await side.roles.refresh();
  const auth = await app.client.auth.test();
  const memoryView = {
    receiptBudgetMs: config.qdrant.receiptBudgetMs,
    receipts: side.memory.receipts,
    ...(auth.url ? { workspaceUrl: auth.url } : {}),
  };
  const threads = startJobThreads({
    reader: side.newConnection(),
    prefix: config.redis.prefix,
    streams: manager.eventStreamKeys(),
    manager,
    outbox,
    durations,
    memoryView,
    threads: base.threads,
    delivery: config.delivery,
    logger,
  });
  releasers.add('job threads', () => threads.close());
  const waitingCards = startWaitingCards({
    manager,
    outbox,
    durations,
    memoryView,
    config,
    logger,
    everyMs: config.delivery.waitingRefreshMs,
  });
  releasers.add('waiting cards', () => waitingCards.close());
  const limitNotices = startLimitNotices({
    redis: side.redis,
    prefix: config.redis.prefix,
    manager,
    outbox,
    channel: side.slack.channelId,
    waitingCards,
    logger,
  });
  releasers.add('limit notices', () => limitNotices.close());
  const approvals = createApprovalStore(side.redis, config.redis.prefix);
  const approvalFeed = startApprovalFeed({
    reader: side.newConnection(),
    prefix: config.redis.prefix,
    store: approvals,
    manager,
    outbox,
    memoryView,
    logger,
  });
  releasers.add('approval feed', () => approvalFeed.close());
  return {
    approvals,
    ...base,
    messenger: createMessenger(outbox, `controller:${Date.now()}`),
    memory: side.memory.memory,
    memoryView,
    receiptLinks: createReceiptLinks(side.redis, config.redis.prefix),
    workspaces: createWorkspaces(config, side.redis),
    sayWithoutRedis: (notice) => service.sendWithoutOutbox(notice),
    scope: {
      channelId: side.slack.channelId,
      ...(auth.user_id ? { botUserId: auth.user_id } : {}),
      ...(auth.bot_id ? { botId: auth.bot_id } : {}),
    },
  };
}

async function main(): Promise<void> {
  const config = loadProcessConfig();
  if (!config) return;
  // A mistake in the hooks file stops the controller here, naming the file, the hook and the field.
  const hooks = config.webhooks.file
    ? loadHooksFile(
        config.webhooks.file,
        process.env,
        config.workspaces.map((entry) => entry.name),
      )
    : [];
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

  const prefix = config.redis.prefix;
  const crash = createCrashHook(config.crashAt);
  const connection = redisOptions(config, 'worker');
  const newConnection = () => {
    const extra = new IORedis({ ...connection, lazyConnect: false });
    extra.on('error', () => undefined);
    return extra;
  };
  const manager = new QueueManager({
    connection: redis,
    prefix,
    onError: (error) => logger.debug({ err: toCodedError(error) }, `[queue] ${error.message}`),
  });
  releasers.add('queues', () => manager.close());
  const outbox = createOutbox(redis, prefix);
  const inbox = createInbox(redis, prefix, logger, newConnection);
  const plans = createPlans(redis, prefix);
  const threadChain = createThreadChain(redis, prefix, config.conversations.days);
  const conversations = createConversationStore(redis, prefix, config.conversations.days);
  const durations = createDurations(redis, prefix);
  const audit = createAuditLog(redis, prefix, config.access.auditDays, logger);
  const scheduleStore = createScheduleStore(redis, prefix);
  const scheduleQueue = createScheduleQueue(redis, prefix, (error) =>
    logger.debug({ err: toCodedError(error) }, `[schedules] ${error.message}`),
  );
  releasers.add('schedule queue', () => scheduleQueue.close());
  const schedules = createSchedules({
    store: scheduleStore,
    queue: scheduleQueue,
    timeZone: config.schedules.timeZone,
    minIntervalMs: config.schedules.minIntervalMs,
  });
  const bulk = createBulkConfirmations(redis, prefix);
  const digests = createDigestStore(redis, prefix);
  const metrics = createMetrics(manager, {
    outboxDepth: () => outbox.depth().catch(() => 0),
    inboxPending: () => inbox.pending(),
  });
  const route = createConfiguredRouter(config, {
    logger,
    onDecision: metrics.routed,
    onLlmCall: metrics.llmCall,
  });
  const jobEvents = listenForFinishedJobs(config, manager, logger, (job) =>
    metrics.jobFinished(job.queue, job.outcome, job.durationSeconds, job),
  );
  releasers.add('job events', () => jobEvents.close());
  // Optional: runs without Qdrant and turns itself on when it appears.
  const jobMemory = startControllerMemory(config, manager, redis, logger);
  releasers.add('job memory', () => jobMemory.close());
  // The job history: its feed writes every job's life from BullMQ's event streams, in both modes.
  const jobHistory = startControllerHistory(config, manager, newConnection, logger);
  releasers.add('job history', () => jobHistory.close());

  const slackApp = config.slack ? createSlackApp(config.slack, config.slackApiUrl, logger) : undefined;
  let delivery: DeliveryService | undefined;
  if (config.slack) {
    delivery = createDeliveryService({
      redis,
      connection,
      prefix,
      botToken: config.slack.botToken,
      apiUrl: config.slackApiUrl,
      limits: { post: config.delivery.post, update: config.delivery.update, ...OTHER_LIMITS },
      logger,
      owner: `${hostname()}:${config.paths.runDir}`,
      crash,
      onOutcome: metrics.delivery,
    });
  }
  const api = startApi({
    config,
    redis,
    manager,
    route,
    plans,
    inbox,
    audit,
    threads: threadChain,
    crash,
    hooks,
    history: jobHistory.reader,
    newConnection,
    logger,
    releasers,
    version: packageVersion(),
  });
  const ops = await startOpsServer({
    config,
    manager,
    redis,
    metrics,
    logger,
    routers: api.routers,
    inboxPending: () => inbox.pending(),
    ...(slackApp ? { slack: slackApp.connection } : {}),
    ...(delivery ? { delivery: delivery.health } : {}),
  });
  releasers.add('operations server', () => ops.close());

  const submitDeps = { manager, route, plans, crash };
  /** Schedules' runs (the tick worker) and the failure digest's feed, in either mode. */
  const startRunsAndDigest = async (submit: SubmitRun, publish: FailureFeedOptions['publish']) => {
    const mended = await schedules.reconcile();
    if (mended.added + mended.removed > 0)
      logger.info(mended, `[schedules] Mended ${mended.added + mended.removed} scheduler(s) a crash left behind`);
    const runs = startScheduleRuns(newConnection(), prefix, scheduleStore, submit, logger);
    releasers.add('schedule runs', () => runs.close());
    const failures = startFailureFeed({
      reader: newConnection(),
      prefix,
      streams: manager.eventStreamKeys(),
      manager,
      store: digests,
      periodMs: config.failureDigest.periodMs,
      logger,
      publish,
    });
    releasers.add('failure digest', () => failures.close());
  };
  let slackDeps: SlackDeps | undefined;
  const handleEntry = async (entry: InboxEntry) => {
    if (entry.request.kind === 'cli-add') return handleCliRequest(submitDeps, entry);
    if (entry.request.kind === 'service-add') return api.handle(entry);
    if (!slackDeps) throw new Error('a Slack request, but Slack is not configured in this controller');
    return handleSlackRequest(slackDeps, entry);
  };
  const startIntake = () => {
    // Many at once: an entry waiting for the LLM router must not hold up clicks and commands behind it.
    const consumer = inbox.consume(`${hostname()}:controller`, handleEntry, { concurrency: INTAKE_CONCURRENCY });
    releasers.add('intake', () => consumer.close());
  };

  if (!config.slack || !slackApp || !delivery) {
    const localGuard = createAccessGuard(createRoles(config.access, undefined, logger), audit, logger);
    await startRunsAndDigest(
      submitRunWithoutSlack({ ...submitDeps, guard: localGuard, logger }),
      async () => undefined,
    );
    startIntake();
    logger.info('[controller] Running without Slack; manage jobs with `npx agentops` (see `npx agentops help`)');
    return;
  }
  const roles = createRoles(
    config.access,
    createSlackDirectory(config.slack.botToken, config.slackApiUrl, logger),
    logger,
  );
  releasers.add('roles', () => roles.close());
  const guard = createAccessGuard(roles, audit, logger, { cliJobsVisible: config.access.cliJobsVisible });
  slackDeps = await startSlackSide({
    config,
    slack: config.slack,
    app: slackApp.app,
    service: delivery,
    roles,
    base: {
      config,
      manager,
      route,
      inbox,
      plans,
      outbox,
      durations,
      crash,
      logger,
      guard,
      audit,
      threads: threadChain,
      conversations,
      history: jobHistory.reader,
    },
    redis,
    memory: jobMemory,
    newConnection,
    releasers,
  });
  slackDeps = { ...slackDeps, schedules, bulk, digests };
  await startRunsAndDigest(submitRunInSlack(slackDeps), createDigestPublisher(outbox, config.slack.channelId));
  api.useSlack(slackDeps);
  const { app } = slackApp;
  startIntake();
  registerListeners(app, slackDeps);
  await app.start();
  releasers.add('slack app', () => app.stop());
  logger.info('[controller] Bolt app running in Socket Mode');
  logger.info(`[controller] Listening on channel: ${config.slack.channelId}`);
}
main().catch((error: unknown) => {
  process.stderr.write(`[controller] Failed to start: ${toCodedError(error).message}\n`);
  process.exit(1);
});
