// How the controller's Slack code says things: every post, private answer and
// edit becomes a delivery in the outbox, keyed by the request it answers (an
// inbox entry, a Slack delivery id) and its place among that request's
// replies, so handling the request again after a crash sends nothing twice.
// Nothing here calls Slack; the delivery service does.
import type { Outbox } from '../delivery/outbox.js';
import type { MessageRef } from '../delivery/types.js';
import type { ControllerMessage } from './messages/index.js';

/** A thread or message: a ts from Slack, or the delivery key of a post not yet sent (a job's receipt). */
export type Where = MessageRef | string;

export interface Messenger {
  post(channel: string, message: ControllerMessage, thread?: Where): Promise<void>;
  ephemeral(channel: string, user: string, message: ControllerMessage, thread?: Where): Promise<void>;
  /** Edits a message; later edits of the same message replace pending ones. */
  update(channel: string, target: Where, message: ControllerMessage): Promise<void>;
}

/** The delivery key of job `id`'s receipt (its card), whose thread is the job's. */
export function receiptKey(id: string): string {
  return `receipt:${id}`;
}

/** A job's thread (a follow-up's is its thread's first job's), or undefined for a job that has none (the CLI's). */
export function jobThread(job: { id: string; slack?: unknown; thread?: { root: string } }): MessageRef | undefined {
  return job.slack ? { key: receiptKey(job.thread?.root ?? job.id) } : undefined;
}

const toRef = (where: Where): MessageRef => (typeof where === 'string' ? { ts: where } : where);

/**
 * A messenger for the replies to one request, named `scope` (e.g. "in:<entry id>").
 * Its edits are dated `at`, when the request came in: an edit the job itself
 * caused later (it started, it finished) wins over it.
 */
export function createMessenger(outbox: Outbox, scope: string, at: number = Date.now()): Messenger {
  let n = 0;
  const nextKey = () => {
    n += 1;
    return `${scope}:${n}`;
  };
  return {
    async post(channel, message, thread) {
      await outbox.send([
        { method: 'post', key: nextKey(), channel, message, ...(thread ? { thread: toRef(thread) } : {}) },
      ]);
    },
    async ephemeral(channel, user, message, thread) {
      await outbox.send([
        { method: 'ephemeral', key: nextKey(), channel, user, message, ...(thread ? { thread: toRef(thread) } : {}) },
      ]);
    },
    async update(channel, target, message) {
      await outbox.send([{ method: 'update', channel, target: toRef(target), message, at }]);
    },
  };
}
