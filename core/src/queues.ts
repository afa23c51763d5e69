// The three queues, priorities and the job options every producer uses.

export const QUEUE_NAMES = ['code', 'local', 'research'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

export function isQueueName(value: string): value is QueueName {
  return (QUEUE_NAMES as readonly string[]).includes(value);
}

/** P1 is the most urgent. BullMQ orders lower numbers first. */
export const JOB_PRIORITIES = [1, 2, 3] as const;
export type JobPriority = (typeof JOB_PRIORITIES)[number];
export const DEFAULT_PRIORITY: JobPriority = 3;

export function isJobPriority(value: number): value is JobPriority {
  return value === 1 || value === 2 || value === 3;
}

/** Global concurrency a person may set with `/queue workers <n>`. */
export const MIN_WORKERS = 1;
export const MAX_WORKERS = 6;

export const JOB_ATTEMPTS = 3;
export const BACKOFF_BASE_MS = 5_000;
/**
 * Finished jobs BullMQ keeps per queue. The controller's job-thread feed reads
 * a finished job's data from BullMQ to tell its thread, so this must be far
 * more than the jobs that can finish while the feed reads one batch.
 */
export const KEEP_COMPLETED = 1_000;
export const KEEP_FAILED = 1_000;

/**
 * Options for every job: 3 attempts, 5 s / 10 s / 20 s backoff, bounded history.
 * Written as plain data (BullMQ's DefaultJobOptions accepts it) so that this
 * package needs no BullMQ.
 */
export const DEFAULT_JOB_OPTIONS = {
  attempts: JOB_ATTEMPTS,
  backoff: { type: 'exponential', delay: BACKOFF_BASE_MS },
  removeOnComplete: { count: KEEP_COMPLETED },
  removeOnFail: { count: KEEP_FAILED },
} as const satisfies {
  attempts: number;
  backoff: { type: 'exponential'; delay: number };
  removeOnComplete: { count: number };
  removeOnFail: { count: number };
};

/** Delay before retry `attempt` (1-based) under DEFAULT_JOB_OPTIONS. */
export function backoffDelayMs(attempt: number, base = BACKOFF_BASE_MS): number {
  return Math.round(base * 2 ** Math.max(0, attempt - 1));
}

/**
 * AgentOps job ids are short numbers shared by all three queues ("42").
 * BullMQ refuses integer custom ids, so the id inside BullMQ is "job-42".
 */
export function toBullJobId(id: string | number): string {
  return `job-${id}`;
}

export function fromBullJobId(bullId: string | undefined): string {
  if (bullId === undefined) return '?';
  return bullId.startsWith('job-') ? bullId.slice(4) : bullId;
}
