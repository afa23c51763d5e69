// `/queue clean` across processes. The controller runs no git (it may run on
// another machine than the code workers, and the worktrees live in each
// worker's data folder), so it asks: it publishes a request on a channel and
// PUBLISH says how many code workers heard it; each one cleans its worktrees
// and pushes its report onto a list named by the request; the controller
// reads the list until every worker that heard it has answered or a few
// seconds have passed. Nobody heard it: no code worker is running, and the
// controller says so instead of waiting.
import { Redis } from 'ioredis';
import type { Config } from './config.js';
import { KEY_TTL_SEC, redisKeys } from './keys.js';
import { redisOptions } from './redis.js';

export interface WorktreeCleanRequest {
  id: string;
  /** Who asked: a Slack user id or "cli:<os user>". */
  by: string;
  at: number;
}

/** A branch clean kept because it has commits beyond where its job started. */
export interface KeptBranch {
  branch: string;
  /** The repository's folder. */
  repo: string;
  /** Commits beyond the job's start. */
  commits: number;
}

export interface WorktreeCleanReport {
  /** The worker process that cleaned, `<host>:<pid>`. */
  worker: string;
  /** Worktree folders removed. */
  removed: string[];
  /** Worktrees left alone because a job runs in them. */
  running: string[];
  /** Branches deleted: nothing was committed on them. */
  deleted: string[];
  kept: KeptBranch[];
  /** What could not be cleaned, and why. */
  problems: string[];
}

export type WorktreeCleanOutcome =
  | { answered: true; reports: WorktreeCleanReport[]; missing: number }
  /** No code worker was listening. */
  | { answered: false };

const POLL_MS = 100;

function parseReport(raw: string): WorktreeCleanReport | undefined {
  try {
    const value = JSON.parse(raw) as Partial<WorktreeCleanReport>;
    if (typeof value.worker !== 'string' || !Array.isArray(value.removed) || !Array.isArray(value.kept))
      return undefined;
    return {
      worker: value.worker,
      removed: value.removed,
      running: value.running ?? [],
      deleted: value.deleted ?? [],
      kept: value.kept,
      problems: value.problems ?? [],
    };
  } catch {
    return undefined;
  }
}

/** Asks every code worker to clean and waits up to `waitMs` for their reports. */
export async function requestWorktreeClean(
  redis: Redis,
  prefix: string,
  by: string,
  waitMs: number,
): Promise<WorktreeCleanOutcome> {
  const keys = redisKeys(prefix);
  const request: WorktreeCleanRequest = {
    id: `${Date.now()}-${Math.random().toString(36).slice(2, 10)}`,
    by,
    at: Date.now(),
  };
  const listeners = await redis.publish(keys.worktreeCleanChannel, JSON.stringify(request));
  if (listeners === 0) return { answered: false };
  const deadline = Date.now() + waitMs;
  let raw: string[] = [];
  for (;;) {
    raw = await redis.lrange(keys.worktreeCleanReports(request.id), 0, -1);
    if (raw.length >= listeners || Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  const reports = raw.map(parseReport).filter((report): report is WorktreeCleanReport => report !== undefined);
  return { answered: true, reports, missing: Math.max(0, listeners - reports.length) };
}

export interface WorktreeCleanServer {
  close(): Promise<void>;
}

/**
 * Listens for clean requests on its own connections (a subscriber cannot send
 * other commands) and answers each with `clean`'s report. Redis being away
 * at start is no reason to stop a worker: the connections reconnect.
 */
export function serveWorktreeCleans(
  config: Pick<Config, 'redis'>,
  clean: (request: WorktreeCleanRequest) => Promise<WorktreeCleanReport>,
  onError: (error: unknown) => void,
): WorktreeCleanServer {
  const keys = redisKeys(config.redis.prefix);
  const options = { ...redisOptions(config, 'worker'), lazyConnect: false };
  const subscriber = new Redis(options);
  const commands = new Redis(options);
  subscriber.on('error', () => undefined);
  commands.on('error', () => undefined);
  const inFlight = new Set<Promise<void>>();
  subscriber.subscribe(keys.worktreeCleanChannel).catch(onError);
  subscriber.on('message', (_channel: string, message: string) => {
    let request: WorktreeCleanRequest;
    try {
      request = JSON.parse(message) as WorktreeCleanRequest;
      if (typeof request.id !== 'string') return;
    } catch {
      return;
    }
    const work = clean(request)
      .then(async (report) => {
        const key = keys.worktreeCleanReports(request.id);
        await commands.multi().rpush(key, JSON.stringify(report)).expire(key, KEY_TTL_SEC.worktreeCleanReport).exec();
      })
      .catch(onError)
      .finally(() => inFlight.delete(work));
    inFlight.add(work);
  });
  return {
    async close() {
      await Promise.allSettled([...inFlight]);
      subscriber.disconnect();
      await commands.quit().catch(() => commands.disconnect());
    },
  };
}
