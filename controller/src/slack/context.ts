// What every Slack handler needs, built once in server.ts (the messenger is
// made again for each request).
import type { ApiScope, Config, ConversationStore, CrashHook, JobTrigger, Logger } from '@agentops/core';
import type { BulkConfirmations } from '../commands/bulk.js';
import type { DigestStore } from '../digest/store.js';
import type { Schedules } from '../schedules/service.js';
import type { AccessGuard } from '../access/guard.js';
import type { ApprovalStore } from '../approvals/store.js';
import type { AuditLog } from '../audit/log.js';
import type { Outbox } from '../delivery/outbox.js';
import type { Inbox } from '../intake/inbox.js';
import type { Plans } from '../intake/plans.js';
import type { Durations } from '../queue/durations.js';
import type { MemoryDeps } from '../memory/index.js';
import type { ThreadChain } from '../conversations/chain.js';
import type { HistoryQueries } from '../history/types.js';
import type { QueueManager } from '../queue/manager.js';
import type { Router } from '../router/index.js';
import type { Workspaces } from '../workspaces/index.js';
import type { Messenger } from './messenger.js';
import type { ReceiptLinks } from './receipt-links.js';

/** The one channel the app serves, and who the app itself is (from auth.test). */
export interface ServedScope {
  channelId: string;
  botUserId?: string;
  botId?: string;
}

/** Job memory (Qdrant) is optional: absent or off, receipts and `find` say so. */
export interface SlackDeps extends MemoryDeps {
  config: Config;
  manager: QueueManager;
  route: Router;
  /** Where accepted requests wait to be handled. */
  inbox: Inbox;
  plans: Plans;
  /** Every Slack call goes here; the delivery service sends it. */
  outbox: Outbox;
  /** The replies to the request being handled (keyed by it); a placeholder outside one. */
  messenger: Messenger;
  durations: Durations;
  /** Receipt ts to job id, for commands typed in a job's thread. */
  receiptLinks: ReceiptLinks;
  crash?: CrashHook;
  /** While Redis is away there is no outbox: a private notice sent by the delivery service from memory. */
  sayWithoutRedis?: (notice: { channel: string; user: string; text: string; threadTs?: string }) => Promise<void>;
  logger: Logger;
  /** Filled in from auth.test when the app starts. */
  scope: ServedScope;
  /** The one access decision, with its log lines and audit records. */
  guard: AccessGuard;
  audit?: AuditLog;
  /** The order of each job thread's jobs (one at a time). */
  threads: ThreadChain;
  /** What each job of a thread was asked and answered. */
  conversations: ConversationStore;
  /** Tool approval questions and their answers (the approval buttons). */
  approvals: ApprovalStore;
  /** CODE_WORKSPACES names, each channel's default workspace, and worktree cleaning. */
  workspaces?: Workspaces;
  /** Schedules (`/queue schedule …`). */
  schedules?: Schedules;
  /** Bulk retry and cancel questions waiting for their Confirm. */
  bulk?: BulkConfirmations;
  /** The failure digests, for their Retry all and Discard buttons. */
  digests?: DigestStore;
  /** The job history: `history`, `stats`, `inspect` of old jobs, and the receipts' estimates. */
  history?: HistoryQueries;
}

/** Who asked, and where the answer goes. */
export interface SlackOrigin {
  channel: string;
  user: string;
  /** `schedule`: a schedule's run, acting as the person who made it. */
  source: 'slash' | 'message' | 'button' | 'schedule' | 'api' | 'webhook';
  /** The message that asked, for message-based requests. */
  messageTs?: string;
  /** What started the jobs when no person typed them (a schedule). */
  trigger?: JobTrigger;
  /**
   * Source `api` or `webhook` (`user` is then `api:<token>` or `hook:<name>`): the token's scopes, for
   * the access decision. Such a request chose its workspace already (no channel default), and a
   * refusal is its caller's to answer, not a private message to `user`.
   */
  scopes?: readonly ApiScope[];
}
