// Keeps the cards of waiting jobs current: once a minute, the first ten
// waiting jobs of each queue get their place in line and start estimate drawn
// again, only when their place changed (or their queue began or stopped
// waiting out Claude's limit: then the card says until when, with "Run on the
// local model instead"). At most 30 edits a minute in the worst
// case, inside the chat.update budget; the edit is dated before the list was
// read, so a job that started meanwhile keeps its "Working" card.
import { QUEUE_NAMES, jobDataSchema, toCodedError, type Config, type Logger } from '@agentops/core';
import type { Outbox } from '../delivery/outbox.js';
import type { Delivery } from '../delivery/types.js';
import type { SlackMemoryView } from '../memory/index.js';
import { estimateStart, type Durations } from '../queue/durations.js';
import type { QueueManager } from '../queue/manager.js';
import { jobCard } from './messages/index.js';
import { receiptKey } from './messenger.js';

export interface WaitingCardsOptions {
  manager: QueueManager;
  outbox: Outbox;
  durations: Durations;
  memoryView?: SlackMemoryView;
  config: Config;
  logger: Logger;
  everyMs?: number;
  perQueue?: number;
}

export interface WaitingCards {
  /** One pass now (the timer runs them on its own). */
  refresh(): Promise<number>;
  close(): void;
}

export function startWaitingCards(options: WaitingCardsOptions): WaitingCards {
  const { manager, outbox, logger } = options;
  const perQueue = options.perQueue ?? 10;
  /** What each waiting job's card shows (its place, and its queue's limit), as last drawn here. */
  const drawn = new Map<string, string>();

  const refresh = async (): Promise<number> => {
    const at = Date.now();
    const deliveries: Delivery[] = [];
    const stillWaiting = new Set<string>();
    const limits = new Map(
      (await manager.limits.all()).filter((limit) => limit.resetAt > at).map((limit) => [limit.queue, limit]),
    );
    for (const queue of QUEUE_NAMES) {
      const limit = limits.get(queue);
      const [jobs, line, recent] = await Promise.all([
        manager.nextUp(queue, perQueue),
        manager.lineUp(queue, 1, options.config.workers[queue].concurrency),
        options.durations.recent(queue),
      ]);
      for (const [index, job] of jobs.entries()) {
        const parsed = jobDataSchema.safeParse(job.data);
        if (!parsed.success || !parsed.data.slack) continue;
        const data = parsed.data;
        const position = index + 1;
        stillWaiting.add(data.id);
        const shown = `${position}:${limit?.resetAt ?? ''}`;
        if (drawn.get(data.id) === shown) continue;
        drawn.set(data.id, shown);
        const etaMs = estimateStart(index, line.active, line.slots, recent);
        const similar = (await options.memoryView?.receipts.load(data.id)) ?? [];
        const workspaceUrl = options.memoryView?.workspaceUrl;
        deliveries.push({
          method: 'update',
          channel: data.slack?.channel ?? '',
          target: { key: receiptKey(data.id) },
          message: jobCard({
            data,
            state: {
              kind: 'queued',
              position,
              ...(etaMs === undefined ? {} : { etaMs }),
              ...(limit ? { limit: { kind: limit.kind, resetAt: limit.resetAt } } : {}),
            },
            priority: (job.priority || data.priority) as typeof data.priority,
            similar,
            ...(workspaceUrl ? { workspaceUrl } : {}),
          }),
          at,
        });
      }
    }
    for (const id of drawn.keys()) if (!stillWaiting.has(id)) drawn.delete(id);
    await outbox.send(deliveries);
    return deliveries.length;
  };

  const timer = setInterval(() => {
    refresh().catch((error: unknown) =>
      logger.debug(
        { err: toCodedError(error) },
        `[cards] Could not refresh waiting cards: ${toCodedError(error).message}`,
      ),
    );
  }, options.everyMs ?? 60_000);
  timer.unref();
  return {
    refresh,
    close: () => clearInterval(timer),
  };
}
