// The operations server in this process with the REST API and webhooks wired
// as the controller wires them (startApi), on a harness's Redis and queues:
// for the API, webhook and callback tests. Closed with everything it started.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createLogger, loadConfig, Releasers, type JobData, type JobResult, type QueueName } from '@agentops/core';
import {
  createAuditLog,
  createMetrics,
  createOpsApp,
  parseHooksFile,
  startApi,
  type ApiSide,
  type HistoryReader,
} from '@agentops/controller';
import { UnrecoverableError, Worker } from 'bullmq';
import type { QueueHarness } from './queues.js';
import { waitFor } from './processes.js';

export interface ApiServer {
  base: string;
  api: ApiSide;
  /** Every log record the API wrote. */
  logs: Record<string, unknown>[];
  close(): Promise<void>;
}

export interface ApiServerOptions {
  env?: Record<string, string>;
  history?: HistoryReader;
  /** The hooks file's content (JSON), checked as the controller does. */
  hooks?: unknown;
}

export async function startApiServer(queues: QueueHarness, options: ApiServerOptions = {}): Promise<ApiServer> {
  const env = { ...queues.env, ...options.env, ...(options.hooks ? { HOOKS_FILE: '/hooks.json' } : {}) };
  const config = loadConfig(env);
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger({
    name: 'api-test',
    level: 'debug',
    format: 'json',
    secrets: config.secrets,
    destination: {
      write(line: string) {
        logs.push(JSON.parse(line) as Record<string, unknown>);
        return true;
      },
    } as unknown as NodeJS.WritableStream,
  });
  const releasers = new Releasers();
  const hooks = options.hooks
    ? parseHooksFile(
        JSON.stringify(options.hooks),
        '/hooks.json',
        env,
        config.workspaces.map((entry) => entry.name),
      )
    : [];
  const api = startApi({
    config,
    redis: queues.redis,
    manager: queues.manager,
    route: queues.route,
    plans: queues.plans,
    inbox: queues.inbox,
    audit: createAuditLog(queues.redis, queues.prefix, config.access.auditDays, logger),
    hooks,
    ...(options.history ? { history: options.history } : {}),
    // Connected now: the feeds' first command must not meet a lazy connection that refuses to queue it.
    newConnection: () => queues.redis.duplicate({ lazyConnect: false, enableOfflineQueue: true }),
    logger,
    releasers,
    version: '0.0.0-test',
  });
  const app = createOpsApp({
    config,
    manager: queues.manager,
    redis: queues.redis,
    metrics: createMetrics(queues.manager),
    logger,
    routers: api.routers,
  });
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    api,
    logs,
    async close() {
      await new Promise<void>((done) => server.close(() => done()));
      await releasers.releaseAll();
    },
  };
}

/** Finishes the next job of `queue` as a worker would: completed with an answer, or failed for good. */
export async function finishNextJob(
  queues: QueueHarness,
  queue: QueueName,
  outcome: { answer: string } | { fail: string },
): Promise<string> {
  let done: string | undefined;
  const worker = new Worker<JobData, JobResult>(
    queue,
    async (job) => {
      done = job.data.id;
      if ('fail' in outcome) throw new UnrecoverableError(outcome.fail);
      return { text: outcome.answer, stats: { durationMs: 12, turns: 1 } } as JobResult;
    },
    {
      connection: { host: queues.config.redis.host, port: queues.config.redis.port, maxRetriesPerRequest: null },
      prefix: queues.prefix,
      concurrency: 1,
    },
  );
  try {
    await waitFor(() => done, 10_000, `a ${queue} job to be taken`);
    await waitFor(
      async () => {
        const state = await queues.manager.queues[queue].getJobState(`job-${done}`);
        return state === 'completed' || state === 'failed' || undefined;
      },
      10_000,
      'the job to finish',
    );
  } finally {
    await worker.close();
  }
  return done ?? '';
}
