// The reads and removals behind bulk actions: every failed or waiting job of
// one queue or all (with who asked for it, for the access rule), and removing
// a failed job for good (the failure digest's Discard). BullMQ's, so here.
import { QUEUE_NAMES, fromBullJobId, jobDataSchema, toBullJobId, type QueueName } from '@agentops/core';
import type { QueueManager } from './manager.js';

/** Most jobs one bulk action reads per queue; BullMQ keeps 50 failed, waiting ones can pile up. */
export const BULK_LIMIT = 1_000;

export interface BulkJob {
  id: string;
  queue: QueueName;
  /** Who asked for it; undefined when its data cannot be read. */
  requestedBy?: string;
}

/** The failed, or the waiting (prioritized included, parked follow-ups not), jobs of `queue` or of every queue, oldest first. */
export async function jobsIn(
  manager: QueueManager,
  state: 'failed' | 'waiting',
  queue?: QueueName,
): Promise<BulkJob[]> {
  const names = queue ? [queue] : [...QUEUE_NAMES];
  const types = state === 'failed' ? (['failed'] as const) : (['waiting', 'prioritized'] as const);
  const perQueue = await Promise.all(
    names.map(async (name) => {
      const jobs = await manager.queues[name].getJobs([...types], 0, BULK_LIMIT - 1, true);
      return jobs.filter(Boolean).map((job): BulkJob => {
        const data = jobDataSchema.safeParse(job.data);
        return {
          id: fromBullJobId(job.id),
          queue: name,
          ...(data.success ? { requestedBy: data.data.requestedBy } : {}),
        };
      });
    }),
  );
  return perQueue.flat().sort((a, b) => Number(a.id) - Number(b.id));
}

/** Removes job `id` if it is still failed; false when it is not (retried since, removed, never was). */
export async function removeFailed(manager: QueueManager, id: string): Promise<boolean> {
  for (const name of QUEUE_NAMES) {
    const job = await manager.queues[name].getJob(toBullJobId(id));
    if (!job) continue;
    if ((await job.getState()) !== 'failed') return false;
    try {
      await job.remove();
      return true;
    } catch {
      // Retried (and so locked or moved) in between.
      return false;
    }
  }
  return false;
}
