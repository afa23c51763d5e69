// The inbox consumer's Slack side: handles one accepted Slack request, with a
// messenger whose replies are keyed by the inbox entry, so handling the entry
// again after a crash sends nothing twice.
import type { InboxEntry } from '../intake/inbox.js';
import type { SlackDeps } from './context.js';
import { handleAction } from './listeners/actions.js';
import { handleSlash } from './listeners/commands.js';
import { handleMessage } from './listeners/messages.js';
import { createMessenger } from './messenger.js';

export async function handleSlackRequest(base: SlackDeps, entry: InboxEntry): Promise<void> {
  const deps: SlackDeps = { ...base, messenger: createMessenger(base.outbox, `in:${entry.id}`, entry.at) };
  const { request } = entry;
  switch (request.kind) {
    case 'slash':
      return handleSlash(deps, request, entry.id);
    case 'message':
      return handleMessage(deps, request, entry.id);
    case 'action':
      return handleAction(deps, request, entry.id);
    case 'cli-add':
      throw new Error('CLI requests are not Slack requests');
  }
}
