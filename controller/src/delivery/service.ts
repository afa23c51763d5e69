// The delivery service: the one loop that calls Slack's Web API for AgentOps.
// It runs in the controller process, the one process that holds the Slack
// tokens (workers only write job results to Redis), and only one copy of it
// sends at a time in a deployment (a Redis lock with a time to live).
//
// Each pass takes the lanes that may send now, one call per lane at a time,
// many lanes at once, inside the rate limits. A post is marked as attempted
// before it goes out and recorded with its ts after; a post found marked on a
// later pass (a crash or a timeout in between) is first looked for in Slack by
// its metadata, so it is never posted twice. 429s close the bucket for their
// Retry-After; server and network failures pause all sending with a growing
// backoff (Slack is down for everyone); nothing is dropped except what Slack
// refuses for good, which is logged and kept in a dead-letter list.
import { WebClient } from '@slack/web-api';
import {
  KEY_TTL_SEC,
  redisKeys,
  SlackLogLevel,
  slackSdkLogger,
  toCodedError,
  type ConnectionSettings,
  type CrashHook,
  type Logger,
  type Redis,
} from '@agentops/core';
import { Redis as IORedis } from 'ioredis';
import { RateGate, type BucketKind, type RateLimits } from './buckets.js';
import { findSentMessage } from './find-sent.js';
import { createLeaderLock } from './leader.js';
import { createOutboxStore, DEAD_TS, type LaneHead, type OutboxStore } from './outbox.js';
import { classifyFailure, type CallFailure } from './slack-errors.js';
import type { Delivery, DeliveryMethod, OutboxMessage } from './types.js';
import { sendDelivery } from './web-api.js';

/** Lanes sent at once. */
const MAX_IN_FLIGHT = 16;
/** A lane taken by a pass is not taken again for this long, unless the pass finishes first. */
const LEASE_MS = 20_000;
/** Longest one Slack request may take. */
const REQUEST_TIMEOUT_MS = 10_000;
/** Longest wait between two passes while nothing is due. */
const IDLE_WAIT_MS = 5_000;
/** How often a lane whose thread is not posted yet is looked at again, besides being woken. */
const WAIT_FOR_THREAD_MS = 2_000;
const BACKOFF_MIN_MS = 1_000;
const BACKOFF_MAX_MS = 10_000;
/** A bad token will not fix itself quickly. */
const AUTH_PAUSE_MS = 60_000;
/** How long after the last Slack failure the service still reports itself degraded. */
const DEGRADED_WINDOW_MS = 30_000;
const LEADER_RENEW_MS = 5_000;

export type DeliveryOutcome = 'sent' | 'found' | 'rate_limited' | 'retry' | 'failed';

export interface DeliveryHealth {
  /** standby: another controller holds the delivery lock. */
  state: 'ok' | 'degraded' | 'standby';
  backlog: number;
  /** Why it is degraded: the last Slack failure. */
  reason?: string;
}

export interface DeliveryCounters {
  /** `<method> <outcome>` to count. */
  deliveries: ReadonlyMap<string, number>;
  rateLimited: number;
}

export interface DeliveryService {
  start(): Promise<void>;
  stop(): Promise<void>;
  health(): Promise<DeliveryHealth>;
  counters(): DeliveryCounters;
  /**
   * A private notice sent at once from memory, for when Redis (and so the
   * outbox) is away: inside the same rate limits, not durable, never retried.
   */
  sendWithoutOutbox(notice: { channel: string; user: string; text: string; threadTs?: string }): Promise<void>;
}

export interface DeliveryServiceOptions {
  /** Commands connection (shared with the rest of the controller). */
  redis: Redis;
  /** Settings for the service's own pub/sub connection. */
  connection: ConnectionSettings;
  prefix: string;
  botToken: string;
  apiUrl: string;
  limits: RateLimits;
  logger: Logger;
  /** Identifies this controller as the lock holder; stable across its restarts. */
  owner: string;
  crash?: CrashHook;
  /** Told of every call's outcome (metrics). */
  onOutcome?(slackMethod: string, outcome: DeliveryOutcome): void;
}

const SLACK_METHODS: Record<DeliveryMethod, string> = {
  post: 'chat.postMessage',
  ephemeral: 'chat.postEphemeral',
  update: 'chat.update',
  upload: 'files.uploadV2',
};

function bucketOf(delivery: Delivery): BucketKind {
  return delivery.method;
}

function withoutBlocks(delivery: Delivery): Delivery | undefined {
  if (delivery.method === 'upload') return undefined;
  if (!delivery.message.blocks || delivery.message.blocks.length === 0) return undefined;
  const message: OutboxMessage = { text: delivery.message.text, blocks: [] };
  return { ...delivery, message };
}

export function createDeliveryService(options: DeliveryServiceOptions): DeliveryService {
  const { redis, logger, prefix } = options;
  const keys = redisKeys(prefix);
  const store: OutboxStore = createOutboxStore(redis, prefix);
  const gate = new RateGate(options.limits);
  const crash = options.crash ?? (() => undefined);
  const client = new WebClient(options.botToken, {
    slackApiUrl: options.apiUrl,
    logger: slackSdkLogger(logger, { component: 'slack-delivery', level: SlackLogLevel.ERROR }),
    timeout: REQUEST_TIMEOUT_MS,
    // The service owns retries and rate limits; the client must not wait or retry on its own.
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
  });
  const deliveries = new Map<string, number>();
  let rateLimited = 0;
  const count = (method: DeliveryMethod, outcome: DeliveryOutcome) => {
    const id = `${SLACK_METHODS[method]} ${outcome}`;
    deliveries.set(id, (deliveries.get(id) ?? 0) + 1);
    options.onOutcome?.(SLACK_METHODS[method], outcome);
  };

  const inFlight = new Set<string>();
  /** Lanes waiting for a post (by delivery key) to be sent. */
  const waiters = new Map<string, Set<string>>();
  /** When each message was last edited, for progress edits' least gap. */
  const lastEdit = new Map<string, number>();
  let pausedUntil = 0;
  let backoffMs = 0;
  let lastFailure: { at: number; reason: string } | undefined;
  let leader = false;
  let stopping = false;
  let loopDone: Promise<void> | undefined;
  let leaderTimer: NodeJS.Timeout | undefined;
  let kick: (() => void) | undefined;
  const wakeUp = () => kick?.();
  const subscriber = new IORedis({ ...options.connection, lazyConnect: true });
  subscriber.on('error', () => undefined);

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        if (kick === done) kick = undefined;
        resolve();
      }
      kick = done;
    });

  const lock = createLeaderLock(redis, keys.deliveryLeader, options.owner, KEY_TTL_SEC.deliveryLeaderMs);
  const takeLeader = async () => {
    try {
      const took = await lock.take();
      if (took && !leader) {
        leader = true;
        // Leases and backoffs of a previous run are void: everything pending may go now.
        await store.rescheduleAll(Date.now());
        logger.info(
          { delivery: 'leader', owner: options.owner },
          '[delivery] Sending Slack messages for this deployment',
        );
        wakeUp();
      } else if (!took && leader) {
        leader = false;
        logger.warn({ delivery: 'standby' }, '[delivery] Another controller took over sending Slack messages');
      }
    } catch {
      // Redis away: keep the role; the lock's time to live decides.
    }
  };

  const fail = (method: DeliveryMethod, reason: string, extra: Record<string, unknown>) => {
    lastFailure = { at: Date.now(), reason };
    logger.warn(
      { slackMethod: SLACK_METHODS[method], slackError: reason, ...extra },
      `[delivery] ${SLACK_METHODS[method]} failed: ${reason}`,
    );
  };

  async function onFailure(lane: string, head: LaneHead, failure: CallFailure): Promise<void> {
    const { delivery } = head;
    const now = Date.now();
    const where = { key: head.key, lane };
    switch (failure.kind) {
      case 'rate_limited': {
        rateLimited += 1;
        count(delivery.method, 'rate_limited');
        gate.bucket(bucketOf(delivery), delivery.channel).close(now + failure.retryAfterMs);
        await clearAttempted(head);
        await store.reschedule(lane, now + failure.retryAfterMs);
        logger.info(
          { ...where, retryAfterMs: failure.retryAfterMs },
          `[delivery] Slack rate limit: waiting ${failure.retryAfterMs} ms`,
        );
        return;
      }
      case 'transient':
      case 'auth': {
        count(delivery.method, 'retry');
        backoffMs =
          failure.kind === 'auth' ? AUTH_PAUSE_MS : Math.min(BACKOFF_MAX_MS, Math.max(BACKOFF_MIN_MS, backoffMs * 2));
        pausedUntil = Math.max(pausedUntil, now + backoffMs);
        fail(delivery.method, failure.reason, { ...where, retryInMs: backoffMs });
        if (failure.kind === 'auth')
          logger.error(
            { slackError: failure.reason },
            '[delivery] Slack refused the bot token; nothing is sent until SLACK_BOT_TOKEN is fixed (messages wait in the outbox)',
          );
        await store.reschedule(lane, pausedUntil);
        return;
      }
      case 'render': {
        const plain = withoutBlocks(delivery);
        if (plain) {
          logger.warn(
            { ...where, slackError: failure.reason },
            '[delivery] Slack refused the blocks; sending the text alone',
          );
          await redis.hset(keys.outboxItem(head.key), 'd', JSON.stringify(plain));
          await clearAttempted(head);
          await store.reschedule(lane, now);
          return;
        }
        break;
      }
      case 'permanent':
        break;
    }
    if (delivery.method === 'upload' && delivery.fallback.length > 0) {
      logger.warn(
        { ...where, slackError: failure.reason },
        '[delivery] File upload refused; posting the answer as messages',
      );
      await store.replaceHead(
        lane,
        head,
        delivery.fallback.map((message, index) => {
          const key = `${head.key}:part${index + 1}`;
          return {
            key,
            delivery: {
              method: 'post',
              key,
              channel: delivery.channel,
              ...(delivery.thread ? { thread: delivery.thread } : {}),
              message,
            },
          };
        }),
      );
      return;
    }
    count(delivery.method, 'failed');
    lastFailure = { at: now, reason: failure.reason };
    logger.error(
      { ...where, slackMethod: SLACK_METHODS[delivery.method], slackError: failure.reason },
      `[delivery] Slack refused ${SLACK_METHODS[delivery.method]} for good (${failure.reason}); kept in the dead-letter list`,
    );
    await store.recordDead({ key: head.key, method: SLACK_METHODS[delivery.method], reason: failure.reason, at: now });
    await store.complete(lane, head, { ts: DEAD_TS, record: delivery.method !== 'update' });
    releaseWaiters(head.key);
  }

  async function clearAttempted(head: LaneHead): Promise<void> {
    if (head.attemptedAt !== undefined || head.delivery.method === 'post' || head.delivery.method === 'upload')
      await redis.hdel(keys.outboxItem(head.key), 'attempted');
  }

  function releaseWaiters(key: string): void {
    const lanes = waiters.get(key);
    if (!lanes) return;
    waiters.delete(key);
    const now = Date.now();
    for (const lane of lanes) void store.reschedule(lane, now).catch(() => undefined);
  }

  async function runLane(lane: string): Promise<void> {
    const now = Date.now();
    const head = await store.peek(lane, now + LEASE_MS);
    if (head === 'empty' || head === 'orphan') return;
    const { delivery } = head;
    const ref = delivery.method === 'update' ? delivery.target : delivery.thread;
    let refTs: string | undefined;
    if (ref) {
      if ('ts' in ref) refTs = ref.ts;
      else if (head.waitTs === undefined) {
        const lanes = waiters.get(ref.key) ?? new Set<string>();
        waiters.set(ref.key, lanes);
        lanes.add(lane);
        await store.reschedule(lane, now + WAIT_FOR_THREAD_MS);
        return;
      } else refTs = head.waitTs;
    }
    if (delivery.method === 'update') {
      if (refTs === DEAD_TS || refTs === undefined) {
        // The message to edit never made it to Slack: nothing to edit.
        await store.complete(lane, head, { ts: DEAD_TS, record: false });
        return;
      }
      const notBefore = Math.max(delivery.notBefore ?? 0, (lastEdit.get(lane) ?? 0) + (delivery.minGapMs ?? 0));
      if (notBefore > now) {
        await store.reschedule(lane, notBefore);
        return;
      }
    }
    const bucket = gate.bucket(bucketOf(delivery), delivery.channel);
    const waitMs = bucket.take(now);
    if (waitMs > 0) {
      await store.reschedule(lane, now + waitMs);
      return;
    }
    try {
      if (delivery.method === 'post' && head.attemptedAt !== undefined) {
        const lookup = gate.bucket('lookup', delivery.channel);
        const lookupWait = lookup.take(now);
        if (lookupWait > 0) {
          bucket.refund();
          await store.reschedule(lane, now + lookupWait);
          return;
        }
        const found = await findSentMessage(client, {
          channel: delivery.channel,
          key: head.key,
          since: head.attemptedAt,
          ...(refTs && refTs !== DEAD_TS ? { threadTs: refTs } : {}),
        });
        if (found) {
          bucket.refund();
          logger.info(
            { key: head.key, ts: found },
            '[delivery] Found an earlier attempt in Slack; not posting it again',
          );
          await store.complete(lane, head, {
            ts: found,
            record: true,
            ...(delivery.receiptOf ? { receiptOf: delivery.receiptOf } : {}),
          });
          count(delivery.method, 'found');
          releaseWaiters(head.key);
          return;
        }
      }
      if (delivery.method === 'post' || delivery.method === 'upload') await store.markAttempted(head.key, now);
    } catch (error) {
      bucket.refund();
      await onFailure(lane, head, classifyFailure(error));
      return;
    }
    let ts: string;
    try {
      ts = await sendDelivery(client, delivery, head.key, refTs);
    } catch (error) {
      await onFailure(lane, head, classifyFailure(error));
      return;
    }
    crash('delivery:after-post');
    backoffMs = 0;
    if (delivery.method === 'update') lastEdit.set(lane, Date.now());
    await store.complete(lane, head, {
      ts,
      record: delivery.method !== 'update',
      ...(delivery.method === 'post' && delivery.receiptOf ? { receiptOf: delivery.receiptOf } : {}),
    });
    crash('delivery:after-record');
    count(delivery.method, 'sent');
    releaseWaiters(head.key);
  }

  async function loop(): Promise<void> {
    while (!stopping) {
      if (!leader) {
        await sleep(1_000);
        continue;
      }
      const now = Date.now();
      if (now < pausedUntil) {
        await sleep(pausedUntil - now);
        continue;
      }
      let dispatched = 0;
      let next: number | undefined;
      try {
        const lanes = await store.dueLanes(now, 64);
        for (const lane of lanes) {
          if (inFlight.size >= MAX_IN_FLIGHT) break;
          if (inFlight.has(lane)) continue;
          inFlight.add(lane);
          dispatched += 1;
          void runLane(lane)
            .catch((error: unknown) => {
              logger.warn(
                { err: toCodedError(error), lane },
                '[delivery] Could not work a lane (Redis?); trying again',
              );
            })
            .finally(() => {
              inFlight.delete(lane);
              wakeUp();
            });
        }
        next = await store.nextDue();
      } catch {
        await sleep(1_000);
        continue;
      }
      if (lastEdit.size > 10_000) lastEdit.clear();
      const untilNext = next === undefined ? IDLE_WAIT_MS : Math.min(IDLE_WAIT_MS, next - Date.now());
      if (untilNext > 0) await sleep(untilNext);
      else if (dispatched === 0) await sleep(inFlight.size > 0 ? IDLE_WAIT_MS : 50);
    }
  }

  return {
    async start() {
      stopping = false;
      await subscriber.connect().catch(() => undefined);
      subscriber.on('message', () => wakeUp());
      await subscriber.subscribe(keys.outboxWake).catch(() => undefined);
      await takeLeader();
      leaderTimer = setInterval(() => void takeLeader(), LEADER_RENEW_MS);
      leaderTimer.unref();
      loopDone = loop();
    },
    async stop() {
      stopping = true;
      if (leaderTimer) clearInterval(leaderTimer);
      wakeUp();
      await loopDone;
      const deadline = Date.now() + 5_000;
      while (inFlight.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      if (leader) await lock.release().catch(() => undefined);
      leader = false;
      subscriber.disconnect();
    },
    async health() {
      const backlog = await store.depthOrZero();
      if (!leader) return { state: 'standby', backlog };
      const now = Date.now();
      const failing =
        now < pausedUntil || (lastFailure !== undefined && now - lastFailure.at < DEGRADED_WINDOW_MS && backlog > 0);
      return failing
        ? { state: 'degraded', backlog, ...(lastFailure ? { reason: lastFailure.reason } : {}) }
        : { state: 'ok', backlog };
    },
    counters() {
      return { deliveries, rateLimited };
    },
    async sendWithoutOutbox(notice) {
      const bucket = gate.bucket('ephemeral', notice.channel);
      if (bucket.take(Date.now()) > 0) return;
      try {
        await client.chat.postEphemeral({
          channel: notice.channel,
          user: notice.user,
          text: notice.text,
          ...(notice.threadTs ? { thread_ts: notice.threadTs } : {}),
        });
        count('ephemeral', 'sent');
      } catch (error) {
        count('ephemeral', 'failed');
        fail('ephemeral', classifyFailure(error).kind, { outbox: false });
      }
    },
  };
}
