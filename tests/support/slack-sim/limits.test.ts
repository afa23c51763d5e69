// The simulator's Slack limits and bad days: token buckets that answer 429 with
// Retry-After, message metadata read back through conversations.history and
// conversations.replies, and outages (slow, failing, dropped) for a period.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSlackSimulator, type SlackSimulator } from './index.js';
import { RateLimiter, TokenBucket } from './limits.js';

let sim: SlackSimulator;

beforeAll(async () => {
  sim = await startSlackSimulator({ echoBotMessages: false });
});

afterAll(async () => {
  await sim?.close();
});

beforeEach(() => {
  sim.reset();
  sim.setRateLimits({});
});

/** One raw Web API call, so a test sees Slack's own status, headers and body (no client retries). */
async function call(
  method: string,
  args: Record<string, unknown>,
): Promise<{ status: number; retryAfter: string | null; body: Record<string, unknown> }> {
  const response = await fetch(`${sim.apiUrl}${method}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${sim.config.botToken}`, 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify(args),
  });
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { raw: text };
  }
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body };
}

describe('token buckets', () => {
  it('give a burst, then one token per interval, and say how long to wait', () => {
    const bucket = new TokenBucket({ perSecond: 1, burst: 3 }, 0);
    expect([bucket.take(0), bucket.take(0), bucket.take(0)].every((taken) => taken.ok)).toBe(true);
    expect(bucket.take(0)).toEqual({ ok: false, waitMs: 1_000 });
    expect(bucket.take(400)).toEqual({ ok: false, waitMs: 600 });
    expect(bucket.take(1_000).ok).toBe(true);
  });

  it('limit chat.postMessage per channel and chat.update per app', () => {
    const limiter = new RateLimiter({ postMessage: { perSecond: 1, burst: 2 }, update: { perSecond: 1, burst: 1 } });
    expect(limiter.check('chat.postMessage', { channel: 'C1' }, 0)).toBeUndefined();
    expect(limiter.check('chat.postMessage', { channel: 'C1' }, 0)).toBeUndefined();
    expect(limiter.check('chat.postMessage', { channel: 'C1' }, 0)).toBe(1);
    expect(limiter.check('chat.postMessage', { channel: 'C2' }, 0)).toBeUndefined();
    expect(limiter.check('chat.update', { channel: 'C1' }, 0)).toBeUndefined();
    expect(limiter.check('chat.update', { channel: 'C2' }, 0)).toBe(1);
    expect(limiter.check('chat.postEphemeral', { channel: 'C1' }, 0)).toBeUndefined();
    expect(limiter.limited).toBe(2);
  });
});

describe('the simulator under rate limits', () => {
  it('answers 429 with Retry-After past the burst, counts it, and lets the call through once the bucket refills', async () => {
    sim.setRateLimits({ postMessage: { perSecond: 2, burst: 2 } });
    const channel = sim.config.defaultChannelId;
    const first = await call('chat.postMessage', { channel, text: 'one' });
    const second = await call('chat.postMessage', { channel, text: 'two' });
    const third = await call('chat.postMessage', { channel, text: 'three' });
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(third.status).toBe(429);
    expect(third.body).toMatchObject({ ok: false, error: 'ratelimited' });
    expect(Number(third.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(sim.rateLimited()).toBe(1);
    expect(sim.messages(channel).map((message) => message.text)).toEqual(['one', 'two']);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect((await call('chat.postMessage', { channel, text: 'four' })).status).toBe(200);
  });

  it('leaves every call alone when no limits are set', async () => {
    const channel = sim.config.defaultChannelId;
    for (let index = 0; index < 30; index += 1)
      expect((await call('chat.postMessage', { channel, text: `m${index}` })).status).toBe(200);
    expect(sim.rateLimited()).toBe(0);
  });
});

describe('message metadata read back', () => {
  it('returns metadata from conversations.history and conversations.replies only when include_all_metadata is asked', async () => {
    const channel = sim.config.defaultChannelId;
    const metadata = { event_type: 'agentops_delivery', event_payload: { key: 'job-7:answer:1' } };
    const parent = await call('chat.postMessage', { channel, text: 'receipt', metadata });
    const parentTs = String(parent.body.ts);
    await call('chat.postMessage', { channel, text: 'reply one', thread_ts: parentTs, metadata });
    await call('chat.postMessage', { channel, text: 'reply two', thread_ts: parentTs });
    await call('chat.postMessage', { channel, text: 'later' });

    const history = await call('conversations.history', { channel, include_all_metadata: true });
    expect((history.body.messages as { text: string }[]).map((message) => message.text)).toEqual(['later', 'receipt']);
    expect((history.body.messages as { metadata?: unknown }[])[1]?.metadata).toEqual(metadata);
    const plain = await call('conversations.history', { channel });
    expect((plain.body.messages as { metadata?: unknown }[]).some((message) => message.metadata !== undefined)).toBe(
      false,
    );

    const replies = await call('conversations.replies', { channel, ts: parentTs, include_all_metadata: 'true' });
    const thread = replies.body.messages as { text: string; metadata?: unknown }[];
    expect(thread.map((message) => message.text)).toEqual(['receipt', 'reply one', 'reply two']);
    expect(thread[1]?.metadata).toEqual(metadata);
    expect(thread[2]?.metadata).toBeUndefined();
  });

  it('pages with a cursor and refuses unknown threads', async () => {
    const channel = sim.config.defaultChannelId;
    for (let index = 0; index < 5; index += 1) await call('chat.postMessage', { channel, text: `m${index}` });
    const first = await call('conversations.history', { channel, limit: 2 });
    expect(first.body.has_more).toBe(true);
    const cursor = (first.body.response_metadata as { next_cursor: string }).next_cursor;
    const second = await call('conversations.history', { channel, limit: 2, cursor });
    expect((second.body.messages as { text: string }[]).map((message) => message.text)).toEqual(['m2', 'm1']);
    expect((await call('conversations.replies', { channel, ts: '1.000001' })).body).toMatchObject({
      ok: false,
      error: 'thread_not_found',
    });
  });
});

describe('outages', () => {
  it('answers HTTP 500 for a while, then recovers by itself', async () => {
    const channel = sim.config.defaultChannelId;
    sim.outage({ methods: ['chat.postMessage'], kind: { status: 500 }, forMs: 300 });
    expect((await call('chat.postMessage', { channel, text: 'during' })).status).toBe(500);
    expect((await call('conversations.info', { channel })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect((await call('chat.postMessage', { channel, text: 'after' })).status).toBe(200);
    expect(sim.messages(channel).map((message) => message.text)).toEqual(['after']);
  });

  it('slows every method down until ended', async () => {
    const outage = sim.outage({ kind: { delayMs: 400 } });
    const started = Date.now();
    expect((await call('auth.test', {})).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(380);
    outage.end();
    const again = Date.now();
    await call('auth.test', {});
    expect(Date.now() - again).toBeLessThan(300);
  });

  it('drops connections, which a client sees as a network error', async () => {
    const outage = sim.outage({ methods: ['chat.postMessage'], kind: { drop: true } });
    await expect(call('chat.postMessage', { channel: sim.config.defaultChannelId, text: 'lost' })).rejects.toThrow();
    outage.end();
    expect(sim.calls('chat.postMessage').at(-1)?.error).toBe('connection_dropped');
  });
});
