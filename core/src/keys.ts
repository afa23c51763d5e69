// Every Redis key AgentOps keeps beside BullMQ's own, and how long each lives.
// BullMQ's keys are `<prefix>:<queue>:…`; ours are `<prefix>:agentops:…`, under
// the same prefix (and hash tag, on Redis Cluster). Nothing else builds a key.

const HOUR_SEC = 3_600;
const DAY_SEC = 24 * HOUR_SEC;

/** Time-to-live of each kind of key, in seconds. */
export const KEY_TTL_SEC = {
  /** Slack delivery deduplication: longer than Slack's last redelivery (about 5 min). */
  idempotency: DAY_SEC,
  /** A cancel flag: a worker that claims the job later still sees it. */
  cancelFlag: DAY_SEC,
  /** The record of a cancelled job, so `inspect` and `retry` still know it. */
  cancelRecord: 7 * DAY_SEC,
  /** A finished job's stored result (outbox) and its delivered mark. */
  result: 7 * DAY_SEC,
  /** Which job a receipt message belongs to, for commands typed in its thread. */
  receiptLink: 30 * DAY_SEC,
  /** The similar past jobs a receipt showed, as long as the receipt is linked. */
  receiptSimilar: 30 * DAY_SEC,
} as const;

/** `<prefix>:agentops:<parts…>`. */
export function agentopsKey(prefix: string, ...parts: string[]): string {
  return [prefix, 'agentops', ...parts].join(':');
}

/** The key names of one deployment (one QUEUE_PREFIX). */
export function redisKeys(prefix: string) {
  return {
    /** INCR counter behind the short job ids shared by all queues. */
    nextJobId: agentopsKey(prefix, 'next-job-id'),
    /** SET NX claim of one Slack delivery (event id or click). */
    idempotency: (key: string) => agentopsKey(prefix, 'idemp', key),
    /** Cancel request of a job, read by the worker that runs it. */
    cancelFlag: (id: string) => agentopsKey(prefix, 'cancel', id),
    /** Pub/sub channel on which cancel requests are announced. */
    cancelChannel: agentopsKey(prefix, 'cancel-requests'),
    /** What a cancelled job was, who cancelled it and when. */
    cancelRecord: (id: string) => agentopsKey(prefix, 'cancelled', id),
    /** A finished job's result, kept before anyone is told. */
    outbox: (id: string) => agentopsKey(prefix, 'outbox', id),
    /** Set once the result has been reported. */
    delivered: (id: string) => agentopsKey(prefix, 'delivered', id),
    /** Receipt message ts to job id. */
    receiptLink: (receiptTs: string) => agentopsKey(prefix, 'receipt', receiptTs),
    /** Job memory: the last handled entry of a queue's event stream. */
    memoryCursor: (queue: string) => agentopsKey(prefix, 'qdrant', 'last-event', queue),
    /** Job memory: the similar past jobs a receipt showed. */
    receiptSimilar: (jobId: string) => agentopsKey(prefix, 'qdrant', 'receipt-similar', jobId),
  };
}

export type RedisKeys = ReturnType<typeof redisKeys>;
