// Accepting a Slack request: write it to the inbox (deduplicated by Slack's
// delivery id) and only then acknowledge it. If the inbox cannot be written
// (Redis went away), the person hears so at once and nothing is promised.
import { toCodedError, type CrashHook } from '@agentops/core';
import type { InboxRequest } from '../../intake/inbox.js';
import type { SlackDeps } from '../context.js';
import { UNAVAILABLE } from '../replies.js';

export interface Acceptance {
  /** The inbox entry, or undefined for a redelivery of a request already accepted. */
  entryId?: string;
}

/**
 * `ack` acknowledges Slack; given a text (only for slash commands, whose ack
 * can carry an answer) it answers with it.
 */
export async function accept(
  deps: SlackDeps,
  request: Exclude<InboxRequest, { kind: 'cli-add' | 'service-add' }>,
  dedupeKey: string,
  ack: (answer?: string) => Promise<void>,
): Promise<Acceptance | undefined> {
  const crash: CrashHook = deps.crash ?? (() => undefined);
  let entryId: string | undefined;
  try {
    entryId = await deps.inbox.write(request, dedupeKey);
  } catch (error) {
    deps.logger.warn({ err: toCodedError(error), kind: request.kind }, '[intake] Could not write to the inbox');
    // Nothing was promised. The outbox is in Redis too: a command hears it in its ack, anything else from memory.
    if (request.kind === 'slash') {
      await ack(UNAVAILABLE);
      return undefined;
    }
    await ack();
    await deps.sayWithoutRedis?.({
      channel: request.channel,
      user: request.user,
      text: UNAVAILABLE,
      ...(request.kind === 'message' && request.threadTs ? { threadTs: request.threadTs } : {}),
    });
    return undefined;
  }
  crash('intake:after-inbox-write');
  await ack();
  crash('intake:after-ack');
  if (!entryId)
    deps.logger.info({ duplicate: request.kind, key: dedupeKey }, `[intake] Duplicate ${dedupeKey}, skipping`);
  return entryId ? { entryId } : {};
}
