// Which job a receipt message belongs to, so that words typed in its thread
// (cancel, retry, p1…) reach that job. A Slack concern, kept beside the queues
// in Redis for as long as the thread is likely to be used.
import { KEY_TTL_SEC, redisKeys, type Redis } from '@agentops/core';

export interface ReceiptLinks {
  link(receiptTs: string, jobId: string): Promise<void>;
  /** The job whose receipt is `receiptTs`, if any. */
  jobFor(receiptTs: string): Promise<string | undefined>;
}

export function createReceiptLinks(redis: Redis, prefix: string): ReceiptLinks {
  const keys = redisKeys(prefix);
  return {
    async link(receiptTs, jobId) {
      await redis.set(keys.receiptLink(receiptTs), jobId, 'EX', KEY_TTL_SEC.receiptLink);
    },
    async jobFor(receiptTs) {
      return (await redis.get(keys.receiptLink(receiptTs))) ?? undefined;
    },
  };
}
