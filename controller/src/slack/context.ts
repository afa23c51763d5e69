// What every Slack handler needs, built once in server.ts.
import type { Config, Logger } from '@agentops/shared';
import type { MemoryDeps } from '../qdrant/index.js';
import type { QueueManager } from '../queue/manager.js';
import type { Router } from '../router/index.js';
import type { Idempotency } from '../util/idempotency.js';
import type { Messenger } from './messenger.js';
import type { AccessRules, ServedScope } from './middleware.js';

/** Job memory (Qdrant) is optional: absent or off, receipts and `find` say so. */
export interface SlackDeps extends MemoryDeps {
  config: Config;
  manager: QueueManager;
  route: Router;
  idempotency: Idempotency;
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
