// The similar past jobs shown on a receipt, kept in Redis so the receipt keeps
// them when cancel, retry or promote draws it again.
import { KEY_TTL_SEC, redisKeys, type Redis } from '@agentops/core';
import type { PastJob } from './records.js';

export interface ReceiptMatches {
  save(jobId: string, jobs: readonly PastJob[]): Promise<void>;
  /** [] when none were shown or Redis cannot say: a receipt never waits on this. */
  load(jobId: string): Promise<PastJob[]>;
}

/** As long as a receipt's thread is linked to its job. */
const TTL_SEC = KEY_TTL_SEC.receiptSimilar;

export function createReceiptMatches(redis: Redis, prefix: string): ReceiptMatches {
  const key = redisKeys(prefix).receiptSimilar;
  return {
    async save(jobId, jobs) {
      if (jobs.length === 0) return;
      await redis.set(key(jobId), JSON.stringify(jobs), 'EX', TTL_SEC).catch(() => undefined);
    },
    async load(jobId) {
      try {
        const raw = await redis.get(key(jobId));
        const parsed: unknown = raw ? JSON.parse(raw) : [];
        return Array.isArray(parsed) ? (parsed as PastJob[]) : [];
      } catch {
        return [];
      }
    },
  };
}
