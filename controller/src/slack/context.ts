// What every Slack handler needs, built once in server.ts.
import type { Config, Logger } from '@agentops/core';
import type { MemoryDeps } from '../memory/index.js';
import type { QueueManager } from '../queue/manager.js';
import type { Router } from '../router/index.js';
import type { Idempotency } from '../intake/idempotency.js';
import type { Messenger } from './messenger.js';
import type { ReceiptLinks } from './receipt-links.js';

/** The one channel the app serves, and who the app itself is (from auth.test). */
export interface ServedScope {
  channelId: string;
  botUserId?: string;
  botId?: string;
}

/** Who may use AgentOps: the allow lists of the configuration. */
export interface AccessRules {
  /** Empty: everyone in the channel. */
  allowedUsers: readonly string[];
  /** Empty: everyone allowed above. */
  codeAllowedUsers: readonly string[];
}

/** Job memory (Qdrant) is optional: absent or off, receipts and `find` say so. */
export interface SlackDeps extends MemoryDeps {
  config: Config;
  manager: QueueManager;
  route: Router;
  idempotency: Idempotency;
  /** Receipt ts to job id, for commands typed in a job's thread. */
  receiptLinks: ReceiptLinks;
  messenger: Messenger;
  logger: Logger;
  /** Filled in from auth.test when the app starts. */
  scope: ServedScope;
  access: AccessRules;
}

/** Who asked, and where the answer goes. */
export interface SlackOrigin {
  channel: string;
  user: string;
  source: 'slash' | 'message' | 'button';
  /** The message that asked, for message-based requests. */
  messageTs?: string;
}
