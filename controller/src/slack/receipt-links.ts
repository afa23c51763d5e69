// Which job a receipt message belongs to, so that words typed in its thread
// (cancel, retry, p1…) reach that job, and the other way round (links to past
// jobs' threads). The delivery service writes both when it posts a receipt;
// kept in Redis for as long as the thread is likely to be used.
import { redisKeys, type Redis } from '@agentops/core';

export interface ReceiptLinks {
  /** The job whose receipt is `receiptTs`, if any. */
  jobFor(receiptTs: string): Promise<string | undefined>;
  /** The ts of job `jobId`'s receipt, once it is posted. */
  receiptOf(jobId: string): Promise<string | undefined>;
}

export function createReceiptLinks(redis: Redis, prefix: string): ReceiptLinks {
  const keys = redisKeys(prefix);
  return {
    async jobFor(receiptTs) {
      return (await redis.get(keys.receiptLink(receiptTs))) ?? undefined;
    },
    async receiptOf(jobId) {
      return (await redis.get(keys.jobReceipt(jobId))) ?? undefined;
    },
  };
}
