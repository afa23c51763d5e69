// Corrupts a job's stored data in Redis as a bad write or a hand edit would: the
// `data` field of the job's BullMQ hash becomes text that is not JSON, or JSON
// that misses a job's fields.
import { toBullJobId, type QueueName } from '@agentops/core';
import type { QueueHarness } from './queues.js';

export const CORRUPT_DATA = {
  json: '{"id": "7", "text": ',
  fields: JSON.stringify({ text: 'no id, no routing' }),
} as const;

export async function corruptJob(
  queues: Pick<QueueHarness, 'redis' | 'prefix'>,
  queue: QueueName,
  id: string,
  how: keyof typeof CORRUPT_DATA,
): Promise<void> {
  await queues.redis.hset(`${queues.prefix}:${queue}:${toBullJobId(id)}`, 'data', CORRUPT_DATA[how]);
}
