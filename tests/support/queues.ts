// Opens the queue manager on the suite's Redis under a fresh prefix, and
// starts worker processes on it; everything is removed again in close().
import path from 'node:path';
import { agentopsKey, connectRedis, createLogger, loadConfig, type Config, type Redis } from '@agentops/core';
import {
  createAccessGuard,
  createAuditLog,
  createInbox,
  createPlans,
  createRoles,
  createRouter,
  QueueManager,
  type AccessGuard,
  type Inbox,
  type Plans,
  type Router,
} from '@agentops/controller';
import { testEnv } from './redis.js';
import { FIXTURES, startNode, waitFor, type RunningProcess } from './processes.js';
import { releaseAfter } from './release-after.js';

export interface QueueHarness {
  env: Record<string, string>;
  config: Config;
  redis: Redis;
  manager: QueueManager;
  route: Router;
  inbox: Inbox;
  plans: Plans;
  /** The access decision as the CLI makes it (from the harness's configuration). */
  guard: AccessGuard;
  prefix: string;
  key(name: string): string;
  /** Starts tests/fixtures/test-worker.ts in its own process and waits until it claims jobs. */
  startWorker(extra?: Record<string, string>): Promise<RunningProcess>;
  /** Job ids recorded by fixture workers at start or finish, in order. */
  recorded(list: 'started' | 'finished'): Promise<{ id: string; pid: number; at: number }[]>;
  close(): Promise<void>;
}

export async function openQueues(extra: Record<string, string> = {}): Promise<QueueHarness> {
  const env = testEnv({ WORKER_LOCK_MS: '2000', WORKER_STALLED_INTERVAL_MS: '1000', ...extra });
  const config = loadConfig(env);
  const prefix = config.redis.prefix;
  const redis = await connectRedis(config, 'producer');
  const manager = new QueueManager({ connection: redis, prefix, backoffMs: 100 });
  const logger = createLogger({ name: 'test', level: 'silent', format: 'json' });
  const route = createRouter({ logger });
  const inbox = createInbox(redis, prefix, logger, () => redis.duplicate());
  const plans = createPlans(redis, prefix);
  const guard = createAccessGuard(
    createRoles(config.access, undefined, logger),
    createAuditLog(redis, prefix, config.access.auditDays, logger),
    logger,
  );
  const workers: RunningProcess[] = [];
  const key = (name: string) => agentopsKey(prefix, 'test', name);
  return {
    env,
    config,
    redis,
    manager,
    route,
    inbox,
    plans,
    guard,
    prefix,
    key,
    async startWorker(more = {}) {
      const before = await redis.llen(key('ready'));
      const worker = startNode(path.join(FIXTURES, 'test-worker.js'), { ...env, ...more });
      workers.push(worker);
      releaseAfter(() => worker.stop('SIGKILL'));
      await waitFor(
        async () => (await redis.llen(key('ready'))) > before || undefined,
        10_000,
        `worker ready\n${worker.output()}`,
      );
      return worker;
    },
    async recorded(list) {
      const entries = await redis.lrange(key(list), 0, -1);
      return entries.map((entry) => {
        const [id = '', pid = '0', at = '0'] = entry.split(':');
        return { id, pid: Number(pid), at: Number(at) };
      });
    },
    async close() {
      await Promise.all(workers.map((worker) => worker.stop('SIGKILL')));
      for (const queue of Object.values(manager.queues)) await queue.obliterate({ force: true }).catch(() => undefined);
      const keys = await redis.keys(`${prefix}:*`).catch(() => [] as string[]);
      if (keys.length > 0) await redis.del(...keys).catch(() => undefined);
      await manager.close().catch(() => undefined);
      redis.disconnect();
    },
  };
}
