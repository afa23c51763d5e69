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
