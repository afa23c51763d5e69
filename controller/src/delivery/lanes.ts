// Where each delivery waits its turn. A lane is sent strictly in order, one
// call at a time; different lanes go in parallel within the rate limits. A
// thread is one lane (its receipt is posted first, in the channel lane, and the
// thread waits for it), each message's edits are one lane of at most one item,
// and each person's private answers are one lane. Pure.
import type { Delivery, MessageRef } from './types.js';

/** Stable text form of a message reference. */
export function refId(ref: MessageRef): string {
  return 'ts' in ref ? `ts:${ref.ts}` : `k:${ref.key}`;
}

export function laneOf(delivery: Delivery): string {
  switch (delivery.method) {
    case 'post':
    case 'upload':
      return delivery.thread ? `t:${delivery.channel}:${refId(delivery.thread)}` : `c:${delivery.channel}`;
    case 'ephemeral':
      return `e:${delivery.channel}:${delivery.user}`;
    case 'update':
      return `u:${delivery.channel}:${refId(delivery.target)}`;
  }
}

/** The outbox key of a delivery: its own key, or for an edit the message it edits (so edits collapse). */
export function itemKeyOf(delivery: Delivery): string {
  return delivery.method === 'update' ? `edit:${refId(delivery.target)}` : delivery.key;
}

/** The delivery key this one must wait for (its thread's or target's post), if any. */
export function waitsFor(delivery: Delivery): string | undefined {
  const ref = delivery.method === 'update' ? delivery.target : delivery.thread;
  return ref && 'key' in ref ? ref.key : undefined;
}
