// The outbox's Lua steps on a real Redis: order in a lane, one delivery per
// key, edits that collapse and never go back in time, a head that changed
// while it was being sent, threads that wait for their receipt, and the links
// a receipt's delivery writes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisKeys } from '@agentops/core';
import {
  createOutbox,
  createOutboxStore,
  DEAD_TS,
  laneOf,
  type Delivery,
  type LaneHead,
  type Outbox,
  type OutboxStore,
} from '@agentops/controller';
import { openQueues, type QueueHarness } from '../support/queues.js';

let harness: QueueHarness;
let outbox: Outbox;
let store: OutboxStore;
beforeAll(async () => {
  harness = await openQueues();
  outbox = createOutbox(harness.redis, harness.prefix);
  store = createOutboxStore(harness.redis, harness.prefix);
});
afterAll(async () => {
  await harness?.close();
});

const message = (text: string) => ({ text, blocks: [] });
const post = (key: string, extra: Partial<Extract<Delivery, { method: 'post' }>> = {}): Delivery => ({
  method: 'post',
  key,
  channel: 'C0OUT',
  message: message(key),
  ...extra,
});
const edit = (target: string, text: string, at: number): Delivery => ({
  method: 'update',
  channel: 'C0OUT',
  target: { key: target },
  message: message(text),
  at,
});

async function head(lane: string): Promise<LaneHead> {
  const peeked = await store.peek(lane, Date.now() + 10_000);
  if (typeof peeked === 'string') throw new Error(`lane ${lane} is ${peeked}`);
  return peeked;
}

describe('the outbox', () => {
  it('sends a lane in order and each delivery key once, even after it was sent', async () => {
    const thread = { key: 'receipt:o1' };
    expect(await outbox.send([post('o1:a', { thread }), post('o1:b', { thread }), post('o1:a', { thread })])).toEqual([
      'queued',
      'queued',
      'duplicate',
    ]);
    const lane = laneOf(post('o1:a', { thread }));
    const first = await head(lane);
    expect(first.key).toBe('o1:a');
    expect(first.waitTs).toBeUndefined();
    expect(await store.complete(lane, first, { ts: '100.1', record: true })).toBe('done');
    expect((await head(lane)).key).toBe('o1:b');
    expect(await outbox.send([post('o1:a', { thread })])).toEqual(['duplicate']);
  });

  it('collapses pending edits of one message into the latest, and drops an older one', async () => {
    const before = await outbox.depth();
    expect(await outbox.send([edit('receipt:o2', 'working', 1_000), edit('receipt:o2', 'done', 2_000)])).toEqual([
      'queued',
      'coalesced',
    ]);
    expect(await outbox.send([edit('receipt:o2', 'working again', 1_500)])).toEqual(['stale']);
    expect(await outbox.depth()).toBe(before + 1);
    const lane = laneOf(edit('receipt:o2', '', 0));
    const pending = await head(lane);
    expect(pending.delivery.method === 'update' && pending.delivery.message.text).toBe('done');
  });

  it('keeps an edit that changed while it was being sent, so the newer content goes too', async () => {
    await outbox.send([edit('receipt:o3', 'first', 1_000)]);
    const lane = laneOf(edit('receipt:o3', '', 0));
    const sending = await head(lane);
    await outbox.send([edit('receipt:o3', 'second', 2_000)]);
    expect(await store.complete(lane, sending, { ts: '1.1', record: false })).toBe('changed');
    const next = await head(lane);
    expect(next.delivery.method === 'update' && next.delivery.message.text).toBe('second');
    expect(await store.complete(lane, next, { ts: '1.1', record: false })).toBe('done');
    expect(await store.peek(lane, Date.now())).toBe('empty');
  });

  it('lets a thread wait for its receipt, and links the posted receipt and its job both ways', async () => {
    const thread = { key: 'receipt:o4' };
    await outbox.send([post('receipt:o4', { receiptOf: '904' }), post('answer:o4:1', { thread })]);
    const threadLane = laneOf(post('answer:o4:1', { thread }));
    expect((await head(threadLane)).waitTs).toBeUndefined();
    const receiptLane = laneOf(post('receipt:o4'));
    let receipt = await head(receiptLane);
    while (receipt.key !== 'receipt:o4') {
      await store.complete(receiptLane, receipt, { ts: '0.1', record: true });
      receipt = await head(receiptLane);
    }
    await store.complete(receiptLane, receipt, { ts: '1700000000.000904', record: true, receiptOf: '904' });
    expect((await head(threadLane)).waitTs).toBe('1700000000.000904');
    const keys = redisKeys(harness.prefix);
    expect(await harness.redis.get(keys.receiptLink('1700000000.000904'))).toBe('904');
    expect(await harness.redis.get(keys.jobReceipt('904'))).toBe('1700000000.000904');
  });

  it('marks a receipt Slack refused for good, so its thread’s replies go to the channel instead of waiting', async () => {
    const thread = { key: 'receipt:o5' };
    await outbox.send([post('answer:o5:1', { thread })]);
    await harness.redis.set(redisKeys(harness.prefix).outboxSent('receipt:o5'), DEAD_TS);
    expect((await head(laneOf(post('answer:o5:1', { thread })))).waitTs).toBe(DEAD_TS);
  });

  it('replaces a refused upload by its fallback messages, in order, at the front of its lane', async () => {
    const thread = { key: 'receipt:o6' };
    await harness.redis.set(redisKeys(harness.prefix).outboxSent('receipt:o6'), '1700000000.000950');
    const upload: Delivery = {
      method: 'upload',
      key: 'answer:o6:file',
      channel: 'C0OUT',
      thread,
      file: { filename: 'job-o6-answer.md', title: 'Answer', content: 'x' },
      fallback: [message('part 1'), message('part 2')],
    };
    await outbox.send([upload, post('after:o6', { thread })]);
    const lane = laneOf(upload);
    const current = await head(lane);
    await store.replaceHead(lane, current, [
      { key: 'answer:o6:file:part1', delivery: post('answer:o6:file:part1', { thread, message: message('part 1') }) },
      { key: 'answer:o6:file:part2', delivery: post('answer:o6:file:part2', { thread, message: message('part 2') }) },
    ]);
    const order: string[] = [];
    for (let step = 0; step < 3; step += 1) {
      const next = await head(lane);
      // Each replacement still knows its thread.
      expect(next.waitTs).toBe('1700000000.000950');
      order.push(next.key);
      await store.complete(lane, next, { ts: `2.${step}`, record: true });
    }
    expect(order).toEqual(['answer:o6:file:part1', 'answer:o6:file:part2', 'after:o6']);
  });
});
