// Every queue operation AgentOps offers, on the three BullMQ queues. The one
// module of the controller (and CLI) that talks BullMQ. Reads survive a job
// whose stored data is not JSON; cancel, retry and promote of one job take a
// short lock on it, so concurrent clicks act once.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Job, Queue, type JobProgress } from 'bullmq';
import {
  AgentOpsError,
  DEFAULT_JOB_OPTIONS,
  ErrorCode,
  KEEP_COMPLETED,
  KEEP_FAILED,
  isQueueName,
  QUEUE_NAMES,
  buildJobData,
  KEY_TTL_SEC,
  redisKeys,
  fromBullJobId,
  jobDataSchema,
  toBullJobId,
  toJobStatus,
  createLimitStore,
  createSpendStore,
  type SpendStore,
  type CancelRecord,
  type LimitStore,
  type QueueLimit,
  type JobData,
  type JobPriority,
  type JobResult,
  type JobSource,
  type JobStatus,
  type ListState,
  type QueueName,
  type Redis,
  type RedisKeys,
  type RoutingDecision,
  type SlackOrigin,
} from '@agentops/core';

export interface EnqueueRequest {
  text: string;
  priority: JobPriority;
  source: JobSource;
  requestedBy: string;
  routing: RoutingDecision;
  slack?: SlackOrigin;
  /** Pre-allocated with allocateIds (e.g. to show the id on a receipt first). */
  id?: string;
}

/** A job as BullMQ stores it, for readers outside this folder. */
export type StoredJob = Job<JobData, JobResult>;

export interface QueueCounts {
  waiting: number;
  active: number;
  delayed: number;
  completed: number;
  failed: number;
}

export interface QueueStatus {
  name: QueueName;
  counts: QueueCounts;
  paused: boolean;
  /** Jobs allowed to run at once across all workers; null when not set. */
  globalConcurrency: number | null;
  workers: number;
  /** Waiting out Claude's usage or rate limit until `resetAt`: claims nothing meanwhile. */
  limit?: { kind: QueueLimit['kind']; resetAt: number };
}

export interface StatusSnapshot {
  queues: QueueStatus[];
  /** True when every queue is paused. */
  paused: boolean;
  globalConcurrency: number | null;
  takenAt: number;
}

export interface JobDetails {
  id: string;
  queue: QueueName;
  status: JobStatus;
  data: JobData;
  priority: JobPriority;
  attemptsMade: number;
  attempts: number;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  failedReason?: string;
  result?: unknown;
  progress?: unknown;
  cancel?: { by: string; at: number };
}

/** A job whose stored data cannot be read: not JSON, or not a job AgentOps made. */
export interface UnreadableJob {
  id: string;
  queue: QueueName;
  status: JobStatus;
  /** What is wrong with its data, e.g. "not valid JSON". */
  unreadable: string;
  priority?: JobPriority;
  createdAt?: number;
}

/** One row of `list`: a job, or one whose data cannot be read. */
export type ListedJob = JobDetails | UnreadableJob;

export function isUnreadable(job: ListedJob): job is UnreadableJob {
  return 'unreadable' in job;
}

export type CancelOutcome = { outcome: 'removed' | 'stopping'; job: JobDetails };
export type RetryOutcome = { outcome: 'requeued'; job: JobDetails };

export interface QueueManagerOptions {
  connection: Redis;
  prefix: string;
  /** First retry delay; tests shorten the production 5 s. */
  backoffMs?: number;
  /** Connection errors of the queues (an 'error' event without a listener would crash the process). */
  onError?: (error: Error) => void;
}

const FINISHED = new Set(['completed', 'failed']);

/** How often a control waits to see a job's lock free again. */
const LOCK_POLL_MS = 15;
/** Deletes a lock only if it still holds our token. */
const RELEASE_LOCK = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0";

/** Where the data of a job that is not JSON says so (only in memory, never stored). */
const UNREADABLE = '__agentopsUnreadable';

/**
 * A BullMQ job that can be built from a hash whose `data` is not JSON: BullMQ
 * would throw, and with it every read of a list holding that job. Its data
 * then only says what is wrong; dataProblem() reads that.
 */
class TolerantJob<D = unknown, R = unknown, N extends string = string, P extends JobProgress = JobProgress> extends Job<
  D,
  R,
  N,
  P
> {
  static override fromJSON<T, R, N extends string>(
    ...[queue, json, jobId]: Parameters<typeof Job.fromJSON>
  ): Job<T, R, N> {
    try {
      return Job.fromJSON<T, R, N>(queue, json, jobId);
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
      const job = Job.fromJSON<T, R, N>(queue, { ...json, data: '{}' }, jobId);
      job.data = { [UNREADABLE]: 'not valid JSON' } as T;
      return job;
    }
  }
}

/** A queue whose reads (getJob, getJobs, getWaiting…) go through TolerantJob. */
class TolerantQueue extends Queue<JobData> {
  protected override get Job(): typeof Job {
    return TolerantJob;
  }
}

/** What makes a job's data unusable, or undefined when it is a valid job. */
export function dataProblem(data: unknown): string | undefined {
  if (typeof data === 'object' && data !== null && UNREADABLE in data) {
    return String((data as Record<string, unknown>)[UNREADABLE]);
  }
  const parsed = jobDataSchema.safeParse(data);
  if (parsed.success) return undefined;
  const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.') || 'data'))];
  return `missing or invalid ${fields.length === 1 ? 'field' : 'fields'}: ${fields.join(', ')}`;
}

function clock(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
}

/** The answer to any control of a job whose data cannot be read: what is wrong and what can be done. */
export function unreadableError(
  job: UnreadableJob,
  verb: 'shown' | 'cancelled' | 'retried' | 'promoted',
): AgentOpsError {
  const fate = job.status === 'waiting' || job.status === 'delayed' ? ' A worker fails it when it reaches it.' : '';
  return new AgentOpsError(
    ErrorCode.JobDataInvalid,
    `Job ${job.id}'s stored data is unreadable (${job.unreadable}), so it cannot be ${verb}. It is ${job.status} on ${job.queue}.${fate} Add the request again as a new job if it is still needed; to remove this one, use the queue dashboard at /admin/queues (with BULLBOARD_READONLY=false).`,
    { details: { id: job.id, queue: job.queue, state: job.status, problem: job.unreadable } },
  );
}

export function notFound(id: string): AgentOpsError {
  return new AgentOpsError(
    ErrorCode.JobNotFound,
    `There is no job ${id}. Check the id on the receipt; finished jobs are kept only for the last ${KEEP_COMPLETED} completed and ${KEEP_FAILED} failed per queue.`,
    { details: { id } },
  );
}

function alreadyCancelled(id: string, record: CancelRecord, now: 'removed' | 'stopping' | 'stopped'): AgentOpsError {
  const what =
    now === 'stopping' ? ' Its worker is stopping it.' : now === 'stopped' ? ' It was stopped while running.' : '';
  return new AgentOpsError(
    ErrorCode.JobAlreadyCancelled,
    `Job ${id} was already cancelled by ${record.by} at ${clock(record.at)}.${what}`,
    { details: { id, by: record.by, at: record.at } },
  );
}

/** How long a parked follow-up may wait for the job before it: longer than any job runs. */
export const PARKED_DELAY_MS = 14 * 24 * 3_600_000;

export class QueueManager {
  readonly queues: Record<QueueName, Queue<JobData>>;
  private readonly redis: Redis;
  /** Queues waiting out Claude's limits (written by the workers that hit them). */
  readonly limits: LimitStore;
  /** What Claude jobs cost per day (written by the workers that ran them). */
  readonly spend: SpendStore;
  private readonly keys: RedisKeys;

  constructor(options: QueueManagerOptions) {
    this.redis = options.connection;
    this.limits = createLimitStore(options.connection, options.prefix);
    this.spend = createSpendStore(options.connection, options.prefix);
    this.keys = redisKeys(options.prefix);
    const defaultJobOptions =
      options.backoffMs === undefined
        ? DEFAULT_JOB_OPTIONS
        : { ...DEFAULT_JOB_OPTIONS, backoff: { type: 'exponential', delay: options.backoffMs } };
    const onError = options.onError ?? (() => undefined);
    const make = (name: QueueName) => {
      const queue = new TolerantQueue(name, {
        connection: options.connection,
        prefix: options.prefix,
        defaultJobOptions,
      });
      queue.on('error', onError);
      return queue;
    };
    this.queues = { code: make('code'), local: make('local'), research: make('research') };
  }

  /** Reserves `count` consecutive ids shared by all queues. */
  async allocateIds(count = 1): Promise<string[]> {
    const last = await this.redis.incrby(this.keys.nextJobId, count);
    return Array.from({ length: count }, (_, index) => String(last - count + 1 + index));
  }

  async enqueue(request: EnqueueRequest): Promise<JobData> {
    const [data] = await this.enqueueMany([request]);
    if (!data) throw new AgentOpsError(ErrorCode.Internal, 'enqueue produced no job');
    return data;
  }

  /** Builds and adds several jobs (ids reserved here unless given); see add(). */
  async enqueueMany(requests: EnqueueRequest[]): Promise<JobData[]> {
    if (requests.length === 0) return [];
    const missing = requests.filter((request) => request.id === undefined).length;
    const fresh = missing > 0 ? await this.allocateIds(missing) : [];
    const now = Date.now();
    const jobs = requests.map((request) => {
      const { id, routing, ...rest } = request;
      return buildJobData(id ?? fresh.shift() ?? '', rest, routing, rest, now);
    });
    await this.add(jobs);
    return jobs;
  }

  /**
   * Adds jobs whose data is already built (submitJobs), one round trip per queue
   * involved. Jobs in `parked` wait as delayed jobs until releaseParked (a
   * follow-up waiting for the job before it in its thread).
   */
  async add(data: readonly JobData[], parked: ReadonlySet<string> = new Set()): Promise<void> {
    const jobs = data.map((job) => jobDataSchema.parse(job));
    for (const name of QUEUE_NAMES) {
      const batch = jobs.filter((job) => job.queue === name);
      if (batch.length === 0) continue;
      await this.queues[name].addBulk(
        batch.map((job) => ({
          name: 'job',
          data: job,
          opts: {
            jobId: toBullJobId(job.id),
            priority: job.priority,
            ...(parked.has(job.id) ? { delay: PARKED_DELAY_MS } : {}),
          },
        })),
      );
    }
  }

  /**
   * Moves a job that has not started to another queue, keeping its id and
   * text (the card's "Run on the local model instead" while code waits for a
   * limit). JOB_INVALID_STATE when it is running or over.
   */
  async moveToQueue(id: string, to: QueueName, reason: string): Promise<JobDetails> {
    return this.exclusive(id, async () => {
      const job = await this.findReadable(id, 'promoted');
      if (!job) throw notFound(id);
      const state = await job.getState();
      if (!['waiting', 'prioritized', 'delayed', 'paused'].includes(state))
        throw new AgentOpsError(
          ErrorCode.JobInvalidState,
          `Job ${id} is ${toJobStatus(state)}; only a job that has not started can move to another queue.`,
          { details: { id, state } },
        );
      const data: JobData = {
        ...job.data,
        queue: to,
        routing: { queue: to, method: 'explicit', confidence: 1, patterns: [], reason },
      };
      await job.remove();
      await this.add([data]);
      return this.inspect(id);
    });
  }

  /** Why a daily budget holds job `id` back, if it does. */
  async budgetHold(
    id: string,
  ): Promise<{ which: 'code' | 'user'; limitUsd: number; spentUsd: number; until: number } | undefined> {
    const raw = await this.redis.get(this.keys.budgetHold(id));
    if (!raw) return undefined;
    try {
      const hold = JSON.parse(raw) as { which?: unknown; limitUsd?: unknown; spentUsd?: unknown; until?: unknown };
      if (typeof hold.until !== 'number' || hold.until <= Date.now()) return undefined;
      return {
        which: hold.which === 'user' ? 'user' : 'code',
        limitUsd: Number(hold.limitUsd) || 0,
        spentUsd: Number(hold.spentUsd) || 0,
        until: hold.until,
      };
    } catch {
      return undefined;
    }
  }

  /** Lets job `id` run though a daily budget is spent ("Allow anyway"); false when it is not held. */
  async allowOverBudget(id: string): Promise<boolean> {
    await this.redis.set(this.keys.budgetAllowed(id), '1', 'EX', 2 * 86_400);
    await this.redis.del(this.keys.budgetHold(id));
    return this.releaseParked(id);
  }

  /** Whether job `id` has ended: finished, failed, or gone (cancelled while waiting, removed). */
  async hasEnded(id: string): Promise<boolean> {
    const job = await this.findJob(id);
    if (!job) return true;
    return FINISHED.has(await job.getState());
  }

  /** Lets a parked follow-up start; false when it is not parked (released already, cancelled, gone). */
  async releaseParked(id: string): Promise<boolean> {
    const job = await this.findJob(id);
    if (!job || (await job.getState()) !== 'delayed') return false;
    try {
      await job.promote();
      return true;
    } catch {
      // Promoted (or removed) by someone else in between.
      return false;
    }
  }

  /**
   * Where a new job of `priority` would stand in `queue`: the jobs waiting at
   * that priority or higher, and how many may run at once (the global
   * concurrency, else `fallbackConcurrency`).
   */
  async lineUp(
    queue: QueueName,
    priority: JobPriority,
    fallbackConcurrency: number,
  ): Promise<{ ahead: number; active: number; slots: number }> {
    const target = this.queues[queue];
    const [perPriority, plain, concurrency] = await Promise.all([
      target.getCountsPerPriority([1, 2, 3]),
      target.getJobCounts('waiting', 'active'),
      target.getGlobalConcurrency(),
    ]);
    let ahead = plain.waiting ?? 0;
    for (const level of [1, 2, 3] as const) if (level <= priority) ahead += perPriority[String(level)] ?? 0;
    return { ahead, active: plain.active ?? 0, slots: Math.max(1, concurrency ?? fallbackConcurrency) };
  }

  /** The first `limit` waiting jobs of `queue`, in the order they will start. */
  async nextUp(queue: QueueName, limit: number): Promise<StoredJob[]> {
    const target = this.queues[queue];
    const plain = (await target.getWaiting(0, limit - 1)) as StoredJob[];
    const prioritized =
      plain.length < limit ? ((await target.getPrioritized(0, limit - plain.length - 1)) as StoredJob[]) : [];
    return [...plain, ...prioritized].filter(Boolean);
  }

  async status(): Promise<StatusSnapshot> {
    const now = Date.now();
    const limits = new Map(
      (await this.limits.all().catch(() => []))
        .filter((limit) => limit.resetAt > now)
        .map((limit) => [limit.queue, limit]),
    );
    const queues = await Promise.all(
      QUEUE_NAMES.map(async (name): Promise<QueueStatus> => {
        const queue = this.queues[name];
        const [counts, paused, globalConcurrency, workers] = await Promise.all([
          // BullMQ 6 keeps a paused queue's jobs in wait: no 'paused' list to count.
          queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'completed', 'failed'),
          queue.isPaused(),
          queue.getGlobalConcurrency(),
          queue.getWorkersCount(),
        ]);
        return {
          name,
          counts: {
            waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
            active: counts.active ?? 0,
            delayed: counts.delayed ?? 0,
            completed: counts.completed ?? 0,
            failed: counts.failed ?? 0,
          },
          paused,
          globalConcurrency: globalConcurrency ?? null,
          workers,
          ...(limits.get(name)
            ? { limit: { kind: limits.get(name)?.kind ?? 'usage_limit', resetAt: limits.get(name)?.resetAt ?? now } }
            : {}),
        };
      }),
    );
    const concurrencies = new Set(queues.map((queue) => queue.globalConcurrency));
    return {
      queues,
      paused: queues.every((queue) => queue.paused),
      globalConcurrency: concurrencies.size === 1 ? (queues[0]?.globalConcurrency ?? null) : null,
      takenAt: Date.now(),
    };
  }

  async pauseAll(): Promise<void> {
    await Promise.all(QUEUE_NAMES.map((name) => this.queues[name].pause()));
  }

  async resumeAll(): Promise<void> {
    await Promise.all(QUEUE_NAMES.map((name) => this.queues[name].resume()));
  }

  /** Limits how many jobs of each queue run at once, across all workers. */
  async setGlobalConcurrency(count: number): Promise<void> {
    await Promise.all(QUEUE_NAMES.map((name) => this.queues[name].setGlobalConcurrency(count)));
  }

  private async findJob(id: string): Promise<Job<JobData> | undefined> {
    const bullId = toBullJobId(id);
    const found = await Promise.all(QUEUE_NAMES.map((name) => this.queues[name].getJob(bullId)));
    return found.find((job): job is Job<JobData> => job !== undefined && job !== null);
  }

  /** Job `id` if it exists; throws JOB_DATA_INVALID, saying what to do, when its data cannot be read. */
  private async findReadable(
    id: string,
    verb: Parameters<typeof unreadableError>[1],
  ): Promise<Job<JobData> | undefined> {
    const job = await this.findJob(id);
    if (!job) return undefined;
    const problem = dataProblem(job.data);
    if (problem) throw unreadableError(await this.unreadable(job, problem), verb);
    return job;
  }

  private async unreadable(job: Job<JobData>, problem: string): Promise<UnreadableJob> {
    const entry: UnreadableJob = {
      id: fromBullJobId(job.id),
      queue: job.queueName as QueueName,
      status: toJobStatus(await job.getState()),
      unreadable: problem,
    };
    if (job.priority === 1 || job.priority === 2 || job.priority === 3) entry.priority = job.priority;
    if (job.timestamp) entry.createdAt = job.timestamp;
    return entry;
  }

  /**
   * Runs `operation` while holding job `id`'s control lock (SET NX PX): one
   * cancel, retry or promote of a job at a time, each seeing what the one
   * before it did. Waits for the lock as long as it can be held.
   */
  private async exclusive<T>(id: string, operation: () => Promise<T>): Promise<T> {
    const key = this.keys.jobControlLock(id);
    const token = randomUUID();
    const holdMs = KEY_TTL_SEC.jobControlLockMs;
    const giveUpAt = Date.now() + holdMs + 1_000;
    while ((await this.redis.set(key, token, 'PX', holdMs, 'NX')) !== 'OK') {
      if (Date.now() >= giveUpAt) {
        throw new AgentOpsError(
          ErrorCode.JobBusy,
          `Job ${id} is being changed by someone else right now; try again in a few seconds.`,
          { retryable: true, details: { id } },
        );
      }
      await sleep(LOCK_POLL_MS + Math.random() * LOCK_POLL_MS);
    }
    try {
      return await operation();
    } finally {
      await this.redis.eval(RELEASE_LOCK, 1, key, token).catch(() => undefined);
    }
  }

  private async retryRecord(id: string): Promise<{ by: string; at: number } | undefined> {
    const raw = await this.redis.get(this.keys.retryRecord(id));
    if (!raw) return undefined;
    try {
      return JSON.parse(raw) as { by: string; at: number };
    } catch {
      return undefined;
    }
  }

  private async saveRetryRecord(id: string, by: string): Promise<void> {
    const record = JSON.stringify({ by, at: Date.now() });
    await this.redis.set(this.keys.retryRecord(id), record, 'EX', KEY_TTL_SEC.retryRecord);
  }

  /** Who cancelled job `id` and when, if someone did. */
  async cancelInfo(id: string): Promise<{ by: string; at: number } | undefined> {
    const record = await this.cancelRecord(id);
    return record ? { by: record.by, at: record.at } : undefined;
  }

  private async cancelRecord(id: string): Promise<CancelRecord | undefined> {
    const raw = await this.redis.get(this.keys.cancelRecord(id));
    if (!raw) return undefined;
    try {
      return JSON.parse(raw) as CancelRecord;
    } catch {
      return undefined;
    }
  }

  private async saveCancelRecord(record: CancelRecord): Promise<void> {
    await this.redis.set(this.keys.cancelRecord(record.id), JSON.stringify(record), 'EX', KEY_TTL_SEC.cancelRecord);
  }

  private async describe(read: Job<JobData>, cancel?: CancelRecord): Promise<JobDetails> {
    const state = await read.getState();
    // The job's hash is read before its state: a job that finished in between has a
    // terminal state but an older hash (no finishedOn, attempts not yet counted).
    const job = FINISHED.has(state) && !read.finishedOn ? ((await this.reload(read)) ?? read) : read;
    const record = cancel ?? (await this.cancelRecord(fromBullJobId(job.id)));
    const parsed = jobDataSchema.safeParse(job.data);
    const data = parsed.success ? parsed.data : (job.data as JobData);
    let status = toJobStatus(state);
    if (record && (status === 'failed' || status === 'unknown')) status = 'cancelled';
    const details: JobDetails = {
      id: fromBullJobId(job.id),
      queue: job.queueName as QueueName,
      status,
      data,
      priority: (job.priority || data.priority) as JobPriority,
      attemptsMade: job.attemptsMade,
      attempts: job.opts.attempts ?? 1,
      createdAt: job.timestamp,
    };
    if (job.processedOn) details.startedAt = job.processedOn;
    if (job.finishedOn) details.finishedAt = job.finishedOn;
    if (job.failedReason) details.failedReason = job.failedReason;
    if (job.returnvalue !== undefined && job.returnvalue !== null) details.result = job.returnvalue;
    if (job.progress !== undefined && job.progress !== 0) details.progress = job.progress;
    if (record) details.cancel = { by: record.by, at: record.at };
    return details;
  }

  private cancelledDetails(record: CancelRecord): JobDetails {
    return {
      id: record.id,
      queue: record.data.queue,
      status: 'cancelled',
      data: record.data,
      priority: record.data.priority,
      attemptsMade: 0,
      attempts: DEFAULT_JOB_OPTIONS.attempts ?? 1,
      createdAt: record.data.createdAt,
      finishedAt: record.at,
      cancel: { by: record.by, at: record.at },
    };
  }

  private async reload(job: Job<JobData>): Promise<Job<JobData> | undefined> {
    if (!isQueueName(job.queueName) || job.id === undefined) return undefined;
    return (await this.queues[job.queueName].getJob(job.id)) ?? undefined;
  }

  async inspect(id: string): Promise<JobDetails> {
    const job = await this.findReadable(id, 'shown');
    if (job) return this.describe(job);
    const record = await this.cancelRecord(id);
    if (record) return this.cancelledDetails(record);
    throw notFound(id);
  }

  /** The newest `limit` jobs (of `state`), readable or not: what the `list` command shows. */
  async entries(state?: ListState, limit = 20): Promise<ListedJob[]> {
    const types =
      state === undefined
        ? (['waiting', 'prioritized', 'active', 'delayed', 'completed', 'failed'] as const)
        : state === 'waiting'
          ? (['waiting', 'prioritized'] as const)
          : ([state] as const);
    const perQueue = await Promise.all(QUEUE_NAMES.map((name) => this.queues[name].getJobs([...types], 0, limit - 1)));
    const jobs = perQueue.flat().filter((job): job is Job<JobData> => Boolean(job));
    jobs.sort((a, b) => Number(fromBullJobId(b.id)) - Number(fromBullJobId(a.id)));
    return Promise.all(
      jobs.slice(0, limit).map((job) => {
        const problem = dataProblem(job.data);
        return problem ? this.unreadable(job, problem) : this.describe(job);
      }),
    );
  }

  /** The readable jobs among the newest `limit` (of `state`). */
  async list(state?: ListState, limit = 20): Promise<JobDetails[]> {
    return (await this.entries(state, limit)).filter((job): job is JobDetails => !isUnreadable(job));
  }

  /**
   * Cancels a job: a waiting or delayed job is removed; a running job is flagged
   * and its worker stops it. A job cancelled before is refused with
   * JOB_ALREADY_CANCELLED, a finished one with JOB_FINISHED.
   */
  cancel(id: string, by: string): Promise<CancelOutcome> {
    return this.exclusive(id, () => this.cancelNow(id, by));
  }

  private async cancelNow(id: string, by: string): Promise<CancelOutcome> {
    const job = await this.findReadable(id, 'cancelled');
    const earlier = await this.cancelRecord(id);
    if (!job) {
      if (earlier) throw alreadyCancelled(id, earlier, 'removed');
      throw notFound(id);
    }
    const state = await job.getState();
    // Still running (its worker is stopping it) or stopped since: cancelled already.
    if (earlier && (state === 'active' || state === 'failed')) {
      throw alreadyCancelled(id, earlier, state === 'active' ? 'stopping' : 'stopped');
    }
    if (FINISHED.has(state)) {
      throw new AgentOpsError(
        ErrorCode.JobFinished,
        `Job ${id} has already finished (${state}); there is nothing to cancel.`,
        {
          details: { id, state },
        },
      );
    }
    const record: CancelRecord = { id, by, at: Date.now(), from: toJobStatus(state), data: job.data };
    if (state !== 'active') {
      try {
        await job.remove();
        await this.saveCancelRecord(record);
        return { outcome: 'removed', job: this.cancelledDetails(record) };
      } catch {
        // It became active between getState and remove: stop it instead.
      }
    }
    await this.saveCancelRecord({ ...record, from: 'active' });
    const flag = JSON.stringify({ id, by, at: record.at });
    await this.redis
      .multi()
      .set(this.keys.cancelFlag(id), flag, 'EX', KEY_TTL_SEC.cancelFlag)
      .publish(this.keys.cancelChannel, flag)
      .exec();
    return { outcome: 'stopping', job: await this.describe(job, record) };
  }

  /**
   * Runs a failed or cancelled job again, with its full number of attempts. A
   * job retried before that has not failed since is refused with
   * JOB_ALREADY_RETRIED.
   */
  retry(id: string, by = 'someone'): Promise<RetryOutcome> {
    return this.exclusive(id, () => this.retryNow(id, by));
  }

  private async retryNow(id: string, by: string): Promise<RetryOutcome> {
    const job = await this.findReadable(id, 'retried');
    if (!job) {
      const record = await this.cancelRecord(id);
      if (!record) throw notFound(id);
      // Cancelled while waiting: the job was removed, so add it back under its id.
      await this.redis.del(this.keys.cancelRecord(id), this.keys.cancelFlag(id));
      await this.add([record.data]);
      await this.saveRetryRecord(id, by);
      return { outcome: 'requeued', job: await this.inspect(id) };
    }
    const state = await job.getState();
    if (state !== 'failed') {
      const hint = state === 'completed' ? ' To run it again, add it as a new job.' : '';
      const earlier = await this.retryRecord(id);
      if (earlier) {
        const status = toJobStatus(state);
        throw new AgentOpsError(
          ErrorCode.JobAlreadyRetried,
          `Job ${id} was already retried by ${earlier.by} at ${clock(earlier.at)}; it is ${status} now.${hint}`,
          { details: { id, state, by: earlier.by, at: earlier.at } },
        );
      }
      throw new AgentOpsError(
        ErrorCode.JobInvalidState,
        `Job ${id} is ${toJobStatus(state)}; only failed or cancelled jobs can be retried.${hint}`,
        {
          details: { id, state },
        },
      );
    }
    await this.redis.del(this.keys.cancelRecord(id), this.keys.cancelFlag(id));
    await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    await this.saveRetryRecord(id, by);
    return { outcome: 'requeued', job: await this.inspect(id) };
  }

  /** Changes the priority of a job that has not started yet. */
  promote(id: string, priority: JobPriority): Promise<JobDetails> {
    return this.exclusive(id, () => this.promoteNow(id, priority));
  }

  private async promoteNow(id: string, priority: JobPriority): Promise<JobDetails> {
    const job = await this.findReadable(id, 'promoted');
    if (!job) throw notFound(id);
    const state = await job.getState();
    if (state === 'active') {
      throw new AgentOpsError(
        ErrorCode.JobInvalidState,
        `Job ${id} is already running; priority only matters while a job waits.`,
        { details: { id, state } },
      );
    }
    if (FINISHED.has(state)) {
      throw new AgentOpsError(
        ErrorCode.JobFinished,
        `Job ${id} has already finished (${state}); its priority no longer matters.`,
        { details: { id, state } },
      );
    }
    await job.changePriority({ priority });
    await job.updateData({ ...job.data, priority });
    return this.inspect(id);
  }

  /** True while the Redis connection is up; commands answer at once when it is not. */
  isAvailable(): boolean {
    return this.redis.status === 'ready';
  }

  unavailableError(): AgentOpsError {
    return new AgentOpsError(ErrorCode.RedisUnavailable, 'Redis is not reachable', { retryable: true });
  }

  /** Throws REDIS_UNAVAILABLE at once while Redis is away, instead of waiting for a command to time out. */
  assertAvailable(): void {
    if (!this.isAvailable()) throw this.unavailableError();
  }

  /** BullMQ's event stream key of each queue (read by the job memory's feed). */
  eventStreamKeys(): Record<QueueName, string> {
    const events = (name: QueueName) => this.queues[name].keys.events ?? `${this.queues[name].qualifiedName}:events`;
    return { code: events('code'), local: events('local'), research: events('research') };
  }

  async close(): Promise<void> {
    await Promise.all(QUEUE_NAMES.map((name) => this.queues[name].close()));
  }
}
