// Finds a message the delivery service may already have posted: every post
// carries its delivery key in Slack message metadata, so after a crash (or a
// timeout) between sending and recording, the thread or the channel's recent
// history tells whether it went out, and with which ts.
import type { WebClient } from '@slack/web-api';

/** The metadata event type of every message AgentOps posts. */
export const DELIVERY_EVENT_TYPE = 'agentops_delivery';

export function deliveryMetadata(key: string): { event_type: string; event_payload: { key: string } } {
  return { event_type: DELIVERY_EVENT_TYPE, event_payload: { key } };
}

interface MessageWithMetadata {
  ts?: string;
  metadata?: { event_type?: string; event_payload?: { key?: unknown } };
}

/** Pages read at most; a message posted a minute ago is on the first. */
const MAX_PAGES = 5;
/** How far before the first attempt the history is read, for clock differences. */
const EARLIER_MS = 60_000;

export async function findSentMessage(
  client: WebClient,
  query: { channel: string; key: string; threadTs?: string; since: number },
): Promise<string | undefined> {
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const common = {
      channel: query.channel,
      include_all_metadata: true,
      limit: 200,
      ...(cursor ? { cursor } : {}),
    };
    const response = query.threadTs
      ? await client.conversations.replies({ ...common, ts: query.threadTs })
      : await client.conversations.history({
          ...common,
          oldest: ((query.since - EARLIER_MS) / 1_000).toFixed(6),
        });
    const messages = (response.messages ?? []) as MessageWithMetadata[];
    const found = messages.find(
      (message) =>
        message.metadata?.event_type === DELIVERY_EVENT_TYPE && message.metadata.event_payload?.key === query.key,
    );
    if (found?.ts) return found.ts;
    cursor = response.response_metadata?.next_cursor || undefined;
    if (!cursor) return undefined;
  }
  return undefined;
}
