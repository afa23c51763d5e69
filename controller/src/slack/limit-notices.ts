// Tells the channel when a queue starts and stops waiting out Claude's usage
// or rate limit: one message when a worker records the limit (which queue
// waits, until when, and that each waiting card can move its job to the local
// model), one when the reset has passed and the queue claims jobs again, and
// the waiting cards redrawn both times. Checks the records every few seconds;
// what it has said is kept in Redis and every message has a fixed delivery
// key, so a restart says nothing twice and misses nothing.
import { redisKeys, toCodedError, type Logger, type QueueLimit, type QueueName, type Redis } from '@agentops/core';
import type { Outbox } from '../delivery/outbox.js';
import type { QueueManager } from '../queue/manager.js';
import { plainMessage } from './messages/index.js';
import type { WaitingCards } from './waiting-cards.js';

export interface LimitNoticesOptions {
  redis: Redis;
  prefix: string;
  manager: QueueManager;
  outbox: Outbox;
  channel: string;
  waitingCards?: WaitingCards;
  logger: Logger;
  everyMs?: number;
}

export interface LimitNotices {
  /** One check now (the timer runs them on its own). */
  check(): Promise<void>;
  close(): void;
}

const WHAT: Record<QueueLimit['kind'], string> = {
  usage_limit: "Claude's usage limit",
  rate_limit: "the Anthropic API's rate limit",
  overloaded: 'an overloaded Anthropic API',
};

const slackTime = (ms: number) =>
  `<!date^${Math.floor(ms / 1_000)}^{date_short_pretty} {time}|${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC>`;

/** The channel's notice that `limit`'s queue waits. Pure. */
export function limitStartedText(limit: QueueLimit, waiting: number): string {
  const until = `${limit.known ? '' : 'about '}${slackTime(limit.resetAt)}`;
  const jobs =
    waiting === 0
      ? 'No job is waiting.'
      : `${waiting} job${waiting === 1 ? ' waits' : 's wait'}; each card has *Run on the local model instead*.`;
  return `:hourglass: The *${limit.queue}* queue waits for ${WHAT[limit.kind]} until ${until} (job #${limit.job} hit it; no attempt was used). ${jobs} It runs again by itself.`;
}

/** The channel's notice that the queue runs again. Pure. */
export function limitEndedText(limit: Pick<QueueLimit, 'queue' | 'kind'>): string {
  return `:arrow_forward: The *${limit.queue}* queue runs again: ${WHAT[limit.kind]} has lifted.`;
}

interface Told {
  resetAt: number;
  kind: QueueLimit['kind'];
  ended: boolean;
}

export function startLimitNotices(options: LimitNoticesOptions): LimitNotices {
  const { redis, manager, outbox, logger } = options;
  const keys = redisKeys(options.prefix);

  const told = async (queue: QueueName): Promise<Told | undefined> => {
    const raw = await redis.get(keys.queueLimitNotice(queue));
    if (!raw) return undefined;
    try {
      return JSON.parse(raw) as Told;
    } catch {
      return undefined;
    }
  };
  const remember = (queue: QueueName, value: Told) =>
    redis.set(keys.queueLimitNotice(queue), JSON.stringify(value), 'EX', 30 * 86_400);

  const check = async () => {
    const now = Date.now();
    const current = new Map((await manager.limits.all()).map((limit) => [limit.queue, limit]));
    let redraw = false;
    for (const queue of ['code', 'research', 'local'] as const) {
      const limit = current.get(queue);
      const last = await told(queue);
      if (limit && limit.resetAt > now && (!last || last.resetAt < limit.resetAt)) {
        const waiting = (await manager.status()).queues.find((entry) => entry.name === queue)?.counts.waiting ?? 0;
        await outbox.send([
          {
            method: 'post',
            key: `limit:${queue}:${limit.resetAt}`,
            channel: options.channel,
            message: plainMessage(limitStartedText(limit, waiting)),
          },
        ]);
        await remember(queue, { resetAt: limit.resetAt, kind: limit.kind, ended: false });
        redraw = true;
      } else if (last && !last.ended && last.resetAt <= now) {
        await outbox.send([
          {
            method: 'post',
            key: `limit:${queue}:${last.resetAt}:ended`,
            channel: options.channel,
            message: plainMessage(limitEndedText({ queue, kind: last.kind })),
          },
        ]);
        await remember(queue, { ...last, ended: true });
        redraw = true;
      }
    }
    if (redraw) await options.waitingCards?.refresh();
  };

  const timer = setInterval(() => {
    check().catch((error: unknown) =>
      logger.debug(
        { err: toCodedError(error) },
        `[limits] Could not check queue limits: ${toCodedError(error).message}`,
      ),
    );
  }, options.everyMs ?? 2_000);
  timer.unref();
  return { check, close: () => clearInterval(timer) };
}
