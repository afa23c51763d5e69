// The delivery service's pure rules: token buckets, what a Slack failure means,
// and which lane each delivery waits in.
import { describe, expect, it } from 'vitest';
import { classifyFailure, itemKeyOf, laneOf, TokenBucket, waitsFor, type Delivery } from '@agentops/controller';

describe('token bucket', () => {
  it('lets a burst through, then one call per interval, each a little after its token', () => {
    const bucket = new TokenBucket({ perSecond: 1, burst: 3 }, 0);
    expect([bucket.take(0), bucket.take(0), bucket.take(0)]).toEqual([0, 0, 0]);
    const wait = bucket.take(0);
    expect(wait).toBeGreaterThan(1_000);
    expect(wait).toBeLessThan(1_100);
    expect(bucket.take(999)).toBeGreaterThan(0);
    expect(bucket.take(1_000)).toBe(0);
    expect(bucket.take(1_500)).toBeGreaterThan(0);
  });

  it('never holds more than its burst, however long it was idle', () => {
    const bucket = new TokenBucket({ perSecond: 1, burst: 2 }, 0);
    expect([bucket.take(60_000), bucket.take(60_000), bucket.take(60_000)].map((wait) => wait === 0)).toEqual([
      true,
      true,
      false,
    ]);
  });

  it('closes for a 429’s Retry-After and starts again with an empty bucket', () => {
    const bucket = new TokenBucket({ perSecond: 1, burst: 20 }, 0);
    bucket.close(5_000);
    expect(bucket.take(1_000)).toBe(4_000);
    expect(bucket.take(5_000)).toBeGreaterThan(0);
    expect(bucket.take(6_000)).toBe(0);
  });

  it('gives a token back for a call that never went out', () => {
    const bucket = new TokenBucket({ perSecond: 0.001, burst: 1 }, 0);
    expect(bucket.take(0)).toBe(0);
    expect(bucket.take(0)).toBeGreaterThan(0);
    bucket.refund();
    expect(bucket.take(0)).toBe(0);
  });
});

describe('what a failed Slack call means', () => {
  const platform = (error: string) => ({ code: 'slack_webapi_platform_error', data: { ok: false, error } });
  it.each([
    [
      { code: 'slack_webapi_rate_limited_error', retryAfter: 7 },
      { kind: 'rate_limited', retryAfterMs: 7_000 },
    ],
    [platform('ratelimited'), { kind: 'rate_limited', retryAfterMs: 1_000 }],
    [
      { code: 'slack_webapi_http_error', statusCode: 500 },
      { kind: 'transient', reason: 'HTTP 500' },
    ],
    [
      { code: 'slack_webapi_http_error', statusCode: 503 },
      { kind: 'transient', reason: 'HTTP 503' },
    ],
    [
      { code: 'slack_webapi_http_error', statusCode: 429 },
      { kind: 'rate_limited', retryAfterMs: 1_000 },
    ],
    [
      { code: 'slack_webapi_http_error', statusCode: 404 },
      { kind: 'permanent', reason: 'HTTP 404' },
    ],
    [
      { code: 'slack_webapi_request_error', message: 'connect ECONNREFUSED' },
      { kind: 'transient', reason: 'connect ECONNREFUSED' },
    ],
    [platform('internal_error'), { kind: 'transient', reason: 'internal_error' }],
    [platform('invalid_blocks'), { kind: 'render', reason: 'invalid_blocks' }],
    [platform('msg_too_long'), { kind: 'render', reason: 'msg_too_long' }],
    [platform('invalid_auth'), { kind: 'auth', reason: 'invalid_auth' }],
    [platform('token_revoked'), { kind: 'auth', reason: 'token_revoked' }],
    // A scope the app lacks for one method (files:write) must not stop everything else.
    [platform('missing_scope'), { kind: 'permanent', reason: 'missing_scope' }],
    [platform('channel_not_found'), { kind: 'permanent', reason: 'channel_not_found' }],
    [platform('message_not_found'), { kind: 'permanent', reason: 'message_not_found' }],
    [new Error('socket hang up'), { kind: 'transient', reason: 'socket hang up' }],
  ])('%j is %j', (error, expected) => {
    expect(classifyFailure(error)).toEqual(expected);
  });
});

describe('lanes', () => {
  const message = { text: 'hi', blocks: [] };
  const receipt: Delivery = { method: 'post', key: 'receipt:7', channel: 'C1', message, receiptOf: '7' };
  const answer: Delivery = { method: 'post', key: 'answer:7:1', channel: 'C1', thread: { key: 'receipt:7' }, message };
  const file: Delivery = {
    method: 'upload',
    key: 'answer:7:file',
    channel: 'C1',
    thread: { key: 'receipt:7' },
    file: { filename: 'a.md', title: 'a', content: 'x' },
    fallback: [],
  };
  const edit: Delivery = { method: 'update', channel: 'C1', target: { key: 'receipt:7' }, message, at: 1 };
  const ephemeral: Delivery = { method: 'ephemeral', key: 'in:1:1', channel: 'C1', user: 'U1', message };

  it('puts a thread’s posts and files in one lane that waits for its receipt, which goes in the channel’s lane', () => {
    expect(laneOf(receipt)).toBe('c:C1');
    expect(laneOf(answer)).toBe('t:C1:k:receipt:7');
    expect(laneOf(file)).toBe(laneOf(answer));
    expect(waitsFor(answer)).toBe('receipt:7');
    expect(waitsFor(receipt)).toBeUndefined();
  });

  it('gives each message’s edits a lane of their own, under one key, so they collapse', () => {
    expect(laneOf(edit)).toBe('u:C1:k:receipt:7');
    expect(itemKeyOf(edit)).toBe('edit:k:receipt:7');
    expect(itemKeyOf({ ...edit, at: 2 })).toBe(itemKeyOf(edit));
    expect(itemKeyOf({ ...edit, target: { ts: '1.2' } })).toBe('edit:ts:1.2');
  });

  it('keeps each person’s private answers in their own lane', () => {
    expect(laneOf(ephemeral)).toBe('e:C1:U1');
    expect(laneOf({ ...ephemeral, user: 'U2' })).not.toBe(laneOf(ephemeral));
  });
});
