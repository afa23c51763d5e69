// The queues as Bull Board shows them: one adapter per BullMQ queue, built
// here so that the dashboard never holds a BullMQ queue itself.
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { QUEUE_NAMES } from '@agentops/core';
import type { QueueManager } from './manager.js';

/** `readOnly`: Bull Board shows the queues but offers no way to change them (BULLBOARD_READONLY). */
export function createBoardAdapters(manager: QueueManager, options: { readOnly: boolean }): BullMQAdapter[] {
  return QUEUE_NAMES.map((name) => new BullMQAdapter(manager.queues[name], { readOnlyMode: options.readOnly }));
}
