// One delivery as one Web API call (files.uploadV2 is three): a post carries
// its delivery key in the message metadata, so it can be found again; links
// are never unfurled. Returns the ts Slack gave the message.
import type { WebClient } from '@slack/web-api';
import { deliveryMetadata } from './find-sent.js';
import { DEAD_TS } from './outbox.js';
import type { Delivery } from './types.js';

/** A post's blocks, when it has any (an empty list is left out: Slack then shows the text). */
function blocksOf(message: { blocks?: unknown[] }): { blocks?: never } {
  return message.blocks && message.blocks.length > 0 ? { blocks: message.blocks as never } : {};
}

export async function sendDelivery(
  client: WebClient,
  delivery: Delivery,
  key: string,
  threadTs: string | undefined,
): Promise<string> {
  const thread = threadTs && threadTs !== DEAD_TS ? { thread_ts: threadTs } : {};
  switch (delivery.method) {
    case 'post': {
      const response = await client.chat.postMessage({
        channel: delivery.channel,
        text: delivery.message.text,
        ...blocksOf(delivery.message),
        ...thread,
        unfurl_links: false,
        unfurl_media: false,
        metadata: deliveryMetadata(key),
      });
      return response.ts ?? '';
    }
    case 'ephemeral': {
      const response = await client.chat.postEphemeral({
        channel: delivery.channel,
        user: delivery.user,
        text: delivery.message.text,
        ...blocksOf(delivery.message),
        ...thread,
      });
      return response.message_ts ?? 'ephemeral';
    }
    case 'update': {
      const response = await client.chat.update({
        channel: delivery.channel,
        ts: threadTs ?? '',
        text: delivery.message.text,
        blocks: (delivery.message.blocks ?? []) as never,
      });
      return response.ts ?? threadTs ?? '';
    }
    case 'upload': {
      const { filename, title, content } = delivery.file;
      await client.filesUploadV2({
        channel_id: delivery.channel,
        ...thread,
        filename,
        title,
        content,
      } as never);
      return 'file';
    }
  }
}
