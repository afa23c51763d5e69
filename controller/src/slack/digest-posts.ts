// The failure digest's Slack side: a digest opened by a failure is posted in
// the channel at once (delivery key digest:<id>, so never twice), and every
// later change edits that message, dated by the digest's last change (an
// older drawing never replaces a newer one) and at most every few seconds.
import type { Outbox } from '../delivery/outbox.js';
import type { Delivery } from '../delivery/types.js';
import type { Digest } from '../digest/groups.js';
import { digestKey } from './bulk-actions.js';
import { digestMessage } from './messages/index.js';

/** Least time between two edits of one digest message. */
const EDIT_GAP_MS = 2_000;

export function createDigestPublisher(outbox: Outbox, channel: string) {
  return async (digests: readonly Digest[], opened: readonly Digest[]): Promise<void> => {
    const posted = new Set(opened.map((digest) => digest.id));
    const deliveries: Delivery[] = digests.map((digest) =>
      posted.has(digest.id)
        ? { method: 'post', key: digestKey(digest.id), channel, message: digestMessage(digest) }
        : {
            method: 'update',
            channel,
            target: { key: digestKey(digest.id) },
            message: digestMessage(digest),
            at: digest.updatedAt,
            minGapMs: EDIT_GAP_MS,
          },
    );
    if (deliveries.length > 0) await outbox.send(deliveries);
  };
}
