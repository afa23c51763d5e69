// The controller's one seam to Slack's Web API: posts, ephemeral answers and
// in-place updates. Failures are logged and counted, never thrown at handlers
// that have already acknowledged Slack.
import type { WebClient } from '@slack/web-api';
import { toCodedError, type Logger } from '@agentops/core';
import type { ControllerMessage } from './messages/index.js';

export interface Messenger {
  /** Posts to the channel (in a thread when `threadTs` is given); the message ts, or undefined on failure. */
  post(channel: string, message: ControllerMessage, threadTs?: string): Promise<string | undefined>;
  ephemeral(channel: string, user: string, message: ControllerMessage, threadTs?: string): Promise<void>;
  update(channel: string, ts: string, message: ControllerMessage): Promise<void>;
  /** Calls that failed after the client's own retries. */
  readonly failures: number;
}

export function createMessenger(client: WebClient, logger: Logger, onError?: (method: string) => void): Messenger {
  let failures = 0;
  const failed = (method: string, error: unknown) => {
    failures += 1;
    onError?.(method);
    const coded = toCodedError(error);
    logger.warn(
      { method, slackError: (error as { data?: { error?: string } }).data?.error },
      `[slack] ${method} failed: ${coded.message}`,
    );
  };
  return {
    get failures() {
      return failures;
    },
    async post(channel, message, threadTs) {
      try {
        const result = await client.chat.postMessage({
          channel,
          text: message.text,
          blocks: message.blocks,
          ...(threadTs ? { thread_ts: threadTs } : {}),
          unfurl_links: false,
        });
        return result.ts;
      } catch (error) {
        failed('chat.postMessage', error);
        return undefined;
      }
    },
    async ephemeral(channel, user, message, threadTs) {
      try {
        await client.chat.postEphemeral({
          channel,
          user,
          text: message.text,
          blocks: message.blocks,
          ...(threadTs ? { thread_ts: threadTs } : {}),
        });
      } catch (error) {
        failed('chat.postEphemeral', error);
      }
    },
    async update(channel, ts, message) {
      try {
        await client.chat.update({ channel, ts, text: message.text, blocks: message.blocks });
      } catch (error) {
        failed('chat.update', error);
      }
    },
  };
}
