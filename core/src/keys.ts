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
  /** Which job a receipt message belongs to, for commands typed in its thread. */
  receiptLink: 30 * DAY_SEC,
  /** The similar past jobs a receipt showed, as long as the receipt is linked. */
  receiptSimilar: 30 * DAY_SEC,
  /** A long job's result, kept before BullMQ records it, so a crash in between never means a second run. */
  result: 7 * DAY_SEC,
  /** What one inbox entry became (its job ids and routing), so a replay creates nothing new. */
  intakePlan: 7 * DAY_SEC,
  /** A delivered Slack message's ts, by delivery key: a replayed delivery is not sent again. */
  deliverySent: 7 * DAY_SEC,
  /** A job's control lock: one cancel, retry or promote of a job at a time (milliseconds in PX). */
  jobControlLockMs: 10_000,
  /** Who retried a job last, so a second retry of it is answered "already retried". */
  retryRecord: DAY_SEC,
  /** The leader lock of the delivery loop, renewed while it runs (milliseconds in PX). */
  deliveryLeaderMs: 15_000,
  /** The code workers' answers to one `/queue clean`, read by the controller that asked within seconds. */
  worktreeCleanReport: HOUR_SEC,
  /** A tool approval's question and answer: as long as a person may look back at the thread. */
  approval: 7 * DAY_SEC,
  /** A webhook delivery id seen (replay protection): longer than anyone redelivers a hook by hand. */
  hookDelivery: 7 * DAY_SEC,
  /** A job's callback record (status, attempts, last error), after its last change. */
  callback: 7 * DAY_SEC,
  /** A bulk retry or cancel waiting for its Confirm: long enough to read the count, short enough to be current. */
  bulkConfirmation: 5 * 60,
  /** A failure digest (its groups and their jobs), as long as its buttons may be clicked. */
  failureDigest: 7 * DAY_SEC,
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
    /** SET NX lock held while a job is cancelled, retried or promoted. */
    jobControlLock: (id: string) => agentopsKey(prefix, 'job-lock', id),
    /** Who retried a job last and when. */
    retryRecord: (id: string) => agentopsKey(prefix, 'retried', id),
    /** A long job's result, kept before BullMQ completes the job. */
    result: (id: string) => agentopsKey(prefix, 'result', id),
    /** Receipt message ts to job id. */
    receiptLink: (receiptTs: string) => agentopsKey(prefix, 'receipt', receiptTs),
    /** Job ts of each receipt, the reverse of receiptLink. */
    jobReceipt: (jobId: string) => agentopsKey(prefix, 'job-receipt', jobId),
    /** Redis Stream of accepted requests (Slack, CLI) not yet turned into jobs and answers. */
    inbox: agentopsKey(prefix, 'inbox'),
    /** What an inbox entry became: job ids and routing, fixed by the first attempt. */
    intakePlan: (entryId: string) => agentopsKey(prefix, 'intake-plan', entryId),
    /** Delivery outbox: one hash per pending Slack call. */
    outboxItem: (key: string) => agentopsKey(prefix, 'outbox', 'item', key),
    /** Delivery outbox: the ordered keys of one lane (a thread, a card, a person). */
    outboxLane: (lane: string) => agentopsKey(prefix, 'outbox', 'lane', lane),
    /** Delivery outbox: lanes with work, scored by the earliest time they may send. */
    outboxReady: agentopsKey(prefix, 'outbox', 'ready'),
    /** Delivery outbox: number of pending deliveries. */
    outboxDepth: agentopsKey(prefix, 'outbox', 'depth'),
    /** Delivery outbox: the ts of a delivered message, by delivery key. */
    outboxSent: (key: string) => agentopsKey(prefix, 'outbox', 'sent', key),
    /** Delivery outbox: time of the newest edit of a message, so an older one is never sent after it. */
    outboxEditAt: (target: string) => agentopsKey(prefix, 'outbox', 'edit-at', target),
    /** Delivery outbox: deliveries Slack refused for good, newest first. */
    outboxDead: agentopsKey(prefix, 'outbox', 'dead'),
    /** Pub/sub channel that wakes the delivery loop. */
    outboxWake: agentopsKey(prefix, 'outbox', 'wake'),
    /** Lock held by the one delivery loop of the deployment. */
    deliveryLeader: agentopsKey(prefix, 'outbox', 'leader'),
    /** Redis Stream of control actions and refusals (the audit log), trimmed to AUDIT_DAYS. */
    audit: agentopsKey(prefix, 'audit'),
    /** Thread events feed: the last handled entry of a queue's event stream. */
    threadCursor: (queue: string) => agentopsKey(prefix, 'thread-feed', 'last-event', queue),
    /** Recent run times of a queue's jobs (ms, newest first), for the ETA on job cards. */
    durations: (queue: string) => agentopsKey(prefix, 'durations', queue),
    /** Job memory: the last handled entry of a queue's event stream. */
    memoryCursor: (queue: string) => agentopsKey(prefix, 'qdrant', 'last-event', queue),
    /** A job thread's conversation: `latest` job, `follower:<id>` (the follow-up waiting for job id), `after:<id>`. */
    conversation: (rootId: string) => agentopsKey(prefix, 'conversation', rootId),
    /** A job thread's turns: job id to its text, answer and Claude session, written by the worker that ran it. */
    conversationTurns: (rootId: string) => agentopsKey(prefix, 'conversation', rootId, 'turns'),
    /** A queue waiting out Claude's usage or rate limit: kind, reset time, what was said (limits.ts). */
    queueLimit: (queue: string) => agentopsKey(prefix, 'limit', queue),
    /** One UTC day's Claude spend: cost, tokens and jobs by queue and requester (spend.ts). */
    spendDay: (day: string) => agentopsKey(prefix, 'spend', day),
    /** A job held by a daily budget: why, and until when (read by the controller for its card). */
    budgetHold: (jobId: string) => agentopsKey(prefix, 'budget-hold', jobId),
    /** A job an admin let through a spent budget ("Allow anyway"). */
    budgetAllowed: (jobId: string) => agentopsKey(prefix, 'budget-allowed', jobId),
    /** The last limit of a queue the channel was told about, and whether its end was told too. */
    queueLimitNotice: (queue: string) => agentopsKey(prefix, 'limit-notice', queue),
    /** A channel's default workspace (`/queue repo <name>`). */
    channelWorkspace: (channel: string) => agentopsKey(prefix, 'channel-workspace', channel),
    /** Pub/sub channel on which `/queue clean` asks the code workers to clean their worktrees. */
    worktreeCleanChannel: agentopsKey(prefix, 'worktree-clean', 'requests'),
    /** List of the code workers' reports on one clean request, by request id. */
    worktreeCleanReports: (requestId: string) => agentopsKey(prefix, 'worktree-clean', 'report', requestId),
    /** Job memory: the similar past jobs a receipt showed. */
    receiptSimilar: (jobId: string) => agentopsKey(prefix, 'qdrant', 'receipt-similar', jobId),
    /** A tool approval's question (core/src/approvals.ts), by approval id. */
    approval: (id: string) => agentopsKey(prefix, 'approval', id),
    /** A tool approval's answer, written once (SET NX): the first click or the timeout. */
    approvalAnswer: (id: string) => agentopsKey(prefix, 'approval-answer', id),
    /** List the waiting worker blocks on (BLPOP) until the answer is written. */
    approvalWake: (id: string) => agentopsKey(prefix, 'approval-wake', id),
    /** Redis Stream of new approval questions, followed by the controller. */
    approvalRequests: agentopsKey(prefix, 'approval-requests'),
    /** The controller's place in the approval stream. */
    approvalCursor: agentopsKey(prefix, 'approval-feed', 'last'),
    /** SET NX claim of one webhook delivery id (X-GitHub-Delivery, X-AgentOps-Delivery), per hook. */
    hookDelivery: (hook: string, delivery: string) => agentopsKey(prefix, 'hook-delivery', hook, delivery),
    /** Hash of a job's outbound callback: URL, token name, body, status, attempts, last error. */
    callback: (jobId: string) => agentopsKey(prefix, 'callback', jobId),
    /** Sorted set of job ids whose callback is due, scored by when to send next (ms). */
    callbacksDue: agentopsKey(prefix, 'callbacks', 'due'),
    /** The callback feed's place in a queue's event stream. */
    callbackCursor: (queue: string) => agentopsKey(prefix, 'callback-feed', 'last-event', queue),
    /** Schedules: id to what each runs, who made it, its expression and whether it is paused (JSON). */
    schedules: agentopsKey(prefix, 'schedules'),
    /** INCR counter behind schedule ids (s1, s2…). */
    nextScheduleId: agentopsKey(prefix, 'next-schedule-id'),
    /** The failure digest's place in a queue's event stream. */
    digestCursor: (queue: string) => agentopsKey(prefix, 'digest', 'last-event', queue),
    /** The id of the failure digest still collecting (its period has not ended). */
    digestCurrent: agentopsKey(prefix, 'digest', 'current'),
    /** One failure digest: its period, groups, counts and job ids (JSON). */
    digest: (id: string) => agentopsKey(prefix, 'digest', 'period', id),
    /** A bulk retry or cancel waiting for its Confirm: who asked, what, the exact job ids. */
    bulkConfirmation: (token: string) => agentopsKey(prefix, 'bulk-confirm', token),
  };
}

export type RedisKeys = ReturnType<typeof redisKeys>;
