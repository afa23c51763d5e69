// Lets the next job of a thread start once the one before it has ended.
// Called by whoever sees the end: the job-thread feed (completed, failed), a
// cancel that removed a waiting job, and the intake of a follow-up whose
// predecessor had already ended by the time it was parked. Idempotent.
import { conversationRoot, type JobData } from '@agentops/core';
import type { QueueManager } from '../queue/manager.js';
import type { ThreadChain } from './chain.js';

/** Releases the follow-up parked behind `ended`; resolves with its id when one was released. */
export async function releaseFollower(
  threads: ThreadChain,
  manager: Pick<QueueManager, 'releaseParked'>,
  ended: Pick<JobData, 'id' | 'thread'>,
): Promise<string | undefined> {
  const follower = await threads.followerOf(conversationRoot(ended), ended.id);
  if (!follower) return undefined;
  return (await manager.releaseParked(follower)) ? follower : undefined;
}

/** Releases the follow-ups parked behind any of `ended` (jobs of Slack threads), with one lookup for all. */
export async function releaseFollowers(
  threads: ThreadChain,
  manager: Pick<QueueManager, 'releaseParked'>,
  ended: readonly Pick<JobData, 'id' | 'thread' | 'slack'>[],
): Promise<string[]> {
  // Only a job with a thread can have a follow-up.
  const threaded = ended.filter((job) => job.slack !== undefined || job.thread !== undefined);
  const followers = await threads.followersOf(threaded.map((job) => ({ rootId: conversationRoot(job), id: job.id })));
  const released: string[] = [];
  for (const follower of followers) if (follower && (await manager.releaseParked(follower))) released.push(follower);
  return released;
}
