// Accepting a Slack request: write it to the inbox (deduplicated by Slack's
// delivery id) and only then acknowledge it. If the inbox cannot be written
// (Redis went away), the person hears so at once and nothing is promised.
import { toCodedError, type CrashHook } from '@agentops/core';
import type { InboxRequest } from '../../intake/inbox.js';
import type { SlackDeps } from '../context.js';
import { createMessenger } from '../messenger.js';
import { plainMessage } from '../messages/index.js';
import { UNAVAILABLE } from '../replies.js';

export interface Acceptance {
  /** The inbox entry, or undefined for a redelivery of a request already accepted. */
  entryId?: string;
}

export async function accept(
  deps: SlackDeps,
  request: Exclude<InboxRequest, { kind: 'cli-add' }>,
  dedupeKey: string,
  ack: () => Promise<void>,
): Promise<Acceptance | undefined> {
  const crash: CrashHook = deps.crash ?? (() => undefined);
  let entryId: string | undefined;
  try {
    entryId = await deps.inbox.write(request, dedupeKey);
  } catch (error) {
    await ack();
    deps.logger.warn({ err: toCodedError(error), kind: request.kind }, '[intake] Could not write to the inbox');
    // Best effort: with Redis away the outbox is away too, so this may not arrive; the ack is all Slack needs.
    await createMessenger(deps.outbox, `refused:${dedupeKey}`)
      .ephemeral(request.channel, request.user, plainMessage(UNAVAILABLE))
      .catch(() => undefined);
    return undefined;
  }
  crash('intake:after-inbox-write');
  await ack();
  crash('intake:after-ack');
  if (!entryId)
    deps.logger.info({ duplicate: request.kind, key: dedupeKey }, `[intake] Duplicate ${dedupeKey}, skipping`);
  return entryId ? { entryId } : {};
}
