// The durable outbox in Redis: every Slack call AgentOps will make, waiting in
// its lane. Producers append (one Lua step each, pipelined); the delivery
// service peeks at a lane's head, sends it, and records it as sent in one more
// step. All state changes are Lua scripts, so a crash between two of them
// leaves a state the next run understands.
//
// Keys (all from redisKeys): an item hash per pending delivery (d: the JSON,
// v: its version, tk: the delivery key it waits for, attempted: when a post was
// last tried without a known outcome), a list per lane, one sorted set of
// lanes by the time they may next send, a sent record (ts) per delivered key,
// a depth counter, and an edit clock per edited message.
import { KEY_TTL_SEC, redisKeys, type Redis } from '@agentops/core';
import { itemKeyOf, laneOf, refId, waitsFor } from './lanes.js';
import type { Delivery, EnqueueOutcome } from './types.js';

/** Marks a delivery Slack refused for good: replies meant for its thread go to the channel instead. */
export const DEAD_TS = '-';

const ENQUEUE = `
local item, sent, lane, ready, depth, editAt, wake = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
local key, laneName, json, notBefore, mode, at, ttl, waitKey = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8]
if mode == 'edit' then
  local last = redis.call('GET', editAt)
  if last and tonumber(last) > tonumber(at) then return 'stale' end
  redis.call('SET', editAt, at, 'EX', ttl)
  if redis.call('EXISTS', item) == 1 then
    redis.call('HSET', item, 'd', json)
    redis.call('HINCRBY', item, 'v', 1)
    -- The loop is woken only when the lane may now go sooner than it was going to.
    if redis.call('ZADD', ready, 'LT', 'CH', notBefore, laneName) == 1 then redis.call('PUBLISH', wake, laneName) end
    return 'coalesced'
  end
else
  if redis.call('EXISTS', sent) == 1 or redis.call('EXISTS', item) == 1 then return 'duplicate' end
end
redis.call('HSET', item, 'd', json, 'v', 1, 'tk', waitKey, 'q', notBefore)
redis.call('RPUSH', lane, key)
local moved
if mode == 'edit' then
  moved = redis.call('ZADD', ready, 'LT', 'CH', notBefore, laneName)
else
  moved = redis.call('ZADD', ready, 'NX', 'CH', notBefore, laneName)
end
redis.call('INCR', depth)
-- A lane already waiting its turn needs no wake-up: the loop will come to it.
if moved == 1 then redis.call('PUBLISH', wake, laneName) end
return 'queued'
`;

// Returns the head of a lane with what it waits for, and leases the lane.
const PEEK = `
local lane, ready = KEYS[1], KEYS[2]
local itemPrefix, sentPrefix, laneName, leaseUntil = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local key = redis.call('LINDEX', lane, 0)
if not key then
  redis.call('ZREM', ready, laneName)
  return false
end
local fields = redis.call('HMGET', itemPrefix .. key, 'd', 'v', 'tk', 'attempted', 'q')
if not fields[1] then
  redis.call('LPOP', lane)
  return {key, false}
end
local waitTs = false
if fields[3] and fields[3] ~= '' then waitTs = redis.call('GET', sentPrefix .. fields[3]) end
redis.call('ZADD', ready, 'XX', leaseUntil, laneName)
return {key, fields[1], fields[2], fields[4] or false, waitTs or false, fields[5] or false}
`;

// Records a lane's head as done (sent, or given up), unless it changed while it was being sent.
const COMPLETE = `
local item, lane, ready, depth, sent = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local key, version, ts, ttl, laneName, now, record = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local v = redis.call('HGET', item, 'v')
if v and v ~= version then
  redis.call('HDEL', item, 'attempted')
  redis.call('ZADD', ready, now, laneName)
  return 'changed'
end
if v then
  redis.call('DEL', item)
  redis.call('DECR', depth)
end
if redis.call('LINDEX', lane, 0) == key then redis.call('LPOP', lane) end
if record == '1' then redis.call('SET', sent, ts, 'EX', ttl) end
if #KEYS >= 7 then
  redis.call('SET', KEYS[6], ARGV[8], 'EX', ARGV[9])
  redis.call('SET', KEYS[7], ts, 'EX', ARGV[9])
end
if redis.call('LLEN', lane) > 0 then
  redis.call('ZADD', ready, now, laneName)
else
  redis.call('ZREM', ready, laneName)
end
return 'done'
`;

// Puts new deliveries at the front of a lane in place of its head (an upload that falls back to messages).
const REPLACE_HEAD = `
local item, lane, ready, depth = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local key, laneName, now, itemPrefix = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
if redis.call('LINDEX', lane, 0) ~= key then return 0 end
-- The replacements wait for what the replaced delivery waited for (its thread's receipt).
local waitKey = redis.call('HGET', item, 'tk') or ''
redis.call('LPOP', lane)
if redis.call('DEL', item) == 1 then redis.call('DECR', depth) end
local n = (#ARGV - 4) / 2
for i = n, 1, -1 do
  local newKey, json = ARGV[4 + 2 * i - 1], ARGV[4 + 2 * i]
  redis.call('HSET', itemPrefix .. newKey, 'd', json, 'v', 1, 'tk', waitKey, 'q', now)
  redis.call('LPUSH', lane, newKey)
  redis.call('INCR', depth)
end
redis.call('ZADD', ready, now, laneName)
return n
`;

interface ScriptedRedis extends Redis {
  outboxEnqueue(...args: (string | number)[]): Promise<EnqueueOutcome>;
  outboxPeek(...args: (string | number)[]): Promise<[string, string | null, ...(string | null)[]] | null>;
  outboxComplete(...args: (string | number)[]): Promise<'done' | 'changed'>;
  outboxReplaceHead(...args: (string | number)[]): Promise<number>;
}

function withScripts(redis: Redis): ScriptedRedis {
  const scripted = redis as ScriptedRedis;
  if (typeof scripted.outboxEnqueue !== 'function') {
    redis.defineCommand('outboxEnqueue', { numberOfKeys: 7, lua: ENQUEUE });
    redis.defineCommand('outboxPeek', { numberOfKeys: 2, lua: PEEK });
    redis.defineCommand('outboxComplete', { lua: COMPLETE });
    redis.defineCommand('outboxReplaceHead', { numberOfKeys: 4, lua: REPLACE_HEAD });
  }
  return scripted;
}

/** The producers' side: hand deliveries over; the service sends them. */
export interface Outbox {
  /** Appends each delivery to its lane, in order; one round trip for all. */
  send(deliveries: readonly Delivery[]): Promise<EnqueueOutcome[]>;
  /** Deliveries not yet sent. */
  depth(): Promise<number>;
}

export function createOutbox(redis: Redis, prefix: string): Outbox {
  const keys = redisKeys(prefix);
  const scripted = withScripts(redis);
  return {
    async send(deliveries) {
      if (deliveries.length === 0) return [];
      const pipeline = scripted.pipeline() as unknown as {
        outboxEnqueue(...args: (string | number)[]): void;
        exec(): Promise<[Error | null, unknown][] | null>;
      };
      const now = Date.now();
      for (const delivery of deliveries) {
        const key = itemKeyOf(delivery);
        const lane = laneOf(delivery);
        const edit = delivery.method === 'update';
        const notBefore = edit ? (delivery.notBefore ?? now) : now;
        const editTarget = edit ? refId(delivery.target) : '';
        pipeline.outboxEnqueue(
          keys.outboxItem(key),
          keys.outboxSent(key),
          keys.outboxLane(lane),
          keys.outboxReady,
          keys.outboxDepth,
          keys.outboxEditAt(editTarget || key),
          keys.outboxWake,
          key,
          lane,
          JSON.stringify(delivery),
          notBefore,
          edit ? 'edit' : 'once',
          edit ? delivery.at : 0,
          KEY_TTL_SEC.deliverySent,
          waitsFor(delivery) ?? '',
        );
      }
      const results = (await pipeline.exec()) ?? [];
      return results.map(([error, value]) => {
        if (error) throw error;
        return value as EnqueueOutcome;
      });
    },
    async depth() {
      return Math.max(0, Number((await redis.get(keys.outboxDepth)) ?? 0));
    },
  };
}

/** A lane's head as the service sees it. */
export interface LaneHead {
  key: string;
  delivery: Delivery;
  version: string;
  /** When a post of this item was last tried without a known outcome (ms). */
  attemptedAt?: number;
  /** The ts of the post it waits for: undefined while not sent, DEAD_TS if it never will be. */
  waitTs?: string;
  /** When it was queued, or the time it may be sent (ms). */
  queuedAt: number;
}

/** The service's side: peek, record, reschedule. */
export interface OutboxStore {
  dueLanes(now: number, limit: number): Promise<string[]>;
  /** Earliest time any lane may send, or undefined when the outbox is empty. */
  nextDue(): Promise<number | undefined>;
  /** Every lane becomes due now (a new leader starts from a clean slate). */
  rescheduleAll(now: number): Promise<void>;
  peek(lane: string, leaseUntil: number): Promise<LaneHead | 'empty' | 'orphan'>;
  reschedule(lane: string, at: number): Promise<void>;
  markAttempted(key: string, at: number): Promise<void>;
  complete(
    lane: string,
    head: LaneHead,
    outcome: { ts: string; record: boolean; receiptOf?: string },
  ): Promise<'done' | 'changed'>;
  replaceHead(lane: string, head: LaneHead, replacements: { key: string; delivery: Delivery }[]): Promise<void>;
  recordDead(entry: { key: string; method: string; reason: string; at: number }): Promise<void>;
  depthOrZero(): Promise<number>;
}

export function createOutboxStore(redis: Redis, prefix: string): OutboxStore {
  const keys = redisKeys(prefix);
  const scripted = withScripts(redis);
  const itemPrefix = keys.outboxItem('');
  const sentPrefix = keys.outboxSent('');
  return {
    async dueLanes(now, limit) {
      return redis.zrangebyscore(keys.outboxReady, '-inf', now, 'LIMIT', 0, limit);
    },
    async nextDue() {
      const [, score] = await redis.zrange(keys.outboxReady, 0, 0, 'WITHSCORES');
      return score === undefined ? undefined : Number(score);
    },
    async rescheduleAll(now) {
      const lanes = await redis.zrange(keys.outboxReady, 0, -1);
      if (lanes.length === 0) return;
      await redis.zadd(keys.outboxReady, 'XX', ...lanes.flatMap((lane) => [now, lane]));
    },
    async peek(lane, leaseUntil) {
      const reply = await scripted.outboxPeek(
        keys.outboxLane(lane),
        keys.outboxReady,
        itemPrefix,
        sentPrefix,
        lane,
        leaseUntil,
      );
      if (!reply) return 'empty';
      const [key, json, version, attempted, waitTs, queued] = reply;
      if (!json) return 'orphan';
      return {
        key,
        delivery: JSON.parse(json) as Delivery,
        version: version ?? '1',
        ...(attempted ? { attemptedAt: Number(attempted) } : {}),
        ...(waitTs ? { waitTs } : {}),
        queuedAt: Number(queued ?? Date.now()),
      };
    },
    async reschedule(lane, at) {
      await redis.zadd(keys.outboxReady, 'XX', at, lane);
    },
    async markAttempted(key, at) {
      await redis.hset(keys.outboxItem(key), 'attempted', at);
    },
    async complete(lane, head, outcome) {
      const linkKeys = outcome.receiptOf ? [keys.receiptLink(outcome.ts), keys.jobReceipt(outcome.receiptOf)] : [];
      return scripted.outboxComplete(
        5 + linkKeys.length,
        keys.outboxItem(head.key),
        keys.outboxLane(lane),
        keys.outboxReady,
        keys.outboxDepth,
        keys.outboxSent(head.key),
        ...linkKeys,
        head.key,
        head.version,
        outcome.ts,
        KEY_TTL_SEC.deliverySent,
        lane,
        Date.now(),
        outcome.record ? '1' : '0',
        ...(outcome.receiptOf ? [outcome.receiptOf, KEY_TTL_SEC.receiptLink] : []),
      );
    },
    async replaceHead(lane, head, replacements) {
      await scripted.outboxReplaceHead(
        keys.outboxItem(head.key),
        keys.outboxLane(lane),
        keys.outboxReady,
        keys.outboxDepth,
        head.key,
        lane,
        Date.now(),
        itemPrefix,
        ...replacements.flatMap(({ key, delivery }) => [key, JSON.stringify(delivery)]),
      );
    },
    async depthOrZero() {
      try {
        return Math.max(0, Number((await redis.get(keys.outboxDepth)) ?? 0));
      } catch {
        return 0;
      }
    },
    async recordDead(entry) {
      await redis.multi().lpush(keys.outboxDead, JSON.stringify(entry)).ltrim(keys.outboxDead, 0, 999).exec();
    },
  };
}
