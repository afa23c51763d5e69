// The controller's REST API and webhooks, wired: the service intake (API and
// webhook requests through the inbox and submitJobs), the `/api` and
// `/hooks` routes for the operations server, and the callback feed and sender.
// server.ts calls startApi before the operations server starts and, in Slack
// mode, useSlack once the Slack side runs: from then on API and webhook jobs
// get receipts (API_RECEIPTS); requests that came in before wait for it.
import type express from 'express';
import type { Config, CrashHook, Logger, Redis, Releasers } from '@agentops/core';
import { createAccessGuard } from '../access/guard.js';
import { createRoles } from '../access/roles.js';
import type { AuditLog } from '../audit/log.js';
import type { ThreadChain } from '../conversations/chain.js';
import type { HistoryReader } from '../history/types.js';
import type { Inbox, InboxEntry } from '../intake/inbox.js';
import type { Plans } from '../intake/plans.js';
import { createServiceIntake, type ReceiptIntake } from '../intake/service-requests.js';
import type { QueueManager } from '../queue/manager.js';
import type { Router } from '../router/index.js';
import type { SlackDeps } from '../slack/context.js';
import { intakeServiceJobs } from '../slack/intake.js';
import { createWorkspaces } from '../workspaces/index.js';
import { startCallbackFeed } from '../webhooks/callback-feed.js';
import { startCallbackSender } from '../webhooks/callback-sender.js';
import { createCallbackStore } from '../webhooks/callback-store.js';
import type { Hook } from '../webhooks/hooks-file.js';
import { createHooksRouter } from '../webhooks/inbound.js';
import { createApiRouter } from './routes.js';

export interface ApiStartDeps {
  config: Config;
  redis: Redis;
  manager: QueueManager;
  route: Router;
  plans: Plans;
  inbox: Inbox;
  audit: AuditLog;
  threads?: ThreadChain;
  crash?: CrashHook;
  /** The hooks file's hooks (loaded at start: webhooks/hooks-file.ts). */
  hooks: readonly Hook[];
  history?: HistoryReader;
  newConnection: () => Redis;
  logger: Logger;
  releasers: Releasers;
  version: string;
}

export interface ApiSide {
  /** For the operations server. */
  routers: express.Router[];
  /** The inbox consumer's side of API and webhook entries. */
  handle(entry: InboxEntry): Promise<void>;
  /** Slack mode: receipts for API and webhook jobs go through Slack's intake from now on. */
  useSlack(deps: SlackDeps): void;
}

export function startApi(deps: ApiStartDeps): ApiSide {
  const { config, logger } = deps;
  const prefix = config.redis.prefix;
  // API tokens and hooks act by their own rules (access/policy.ts), never by the Slack lists, so no
  // user groups need expanding here.
  const guard = createAccessGuard(createRoles(config.access, undefined, logger), deps.audit, logger, {
    cliJobsVisible: config.access.cliJobsVisible,
  });
  let useSlack: (intake: ReceiptIntake) => void = () => undefined;
  const receipts =
    config.slack && config.api.receipts
      ? new Promise<ReceiptIntake>((resolve) => {
          useSlack = resolve;
        })
      : undefined;
  const submit = {
    manager: deps.manager,
    route: deps.route,
    plans: deps.plans,
    ...(deps.crash ? { crash: deps.crash } : {}),
  };
  const intake = createServiceIntake({
    ...submit,
    inbox: deps.inbox,
    guard,
    logger,
    ...(receipts ? { receipts } : {}),
  });
  const callbacks = createCallbackStore(deps.redis, prefix);
  const routers = [
    createApiRouter({
      config,
      operations: {
        ...submit,
        guard,
        audit: deps.audit,
        inbox: deps.inbox,
        ...(deps.threads ? { threads: deps.threads } : {}),
        workspaces: createWorkspaces(config, deps.redis),
      },
      intake,
      callbacks,
      ...(deps.history ? { history: deps.history } : {}),
      logger,
      version: deps.version,
    }),
  ];
  if (config.webhooks.file)
    routers.push(
      createHooksRouter({
        hooks: deps.hooks,
        intake,
        prefix,
        toleranceSec: config.webhooks.toleranceSec,
        maxBytes: config.webhooks.maxBytes,
        logger,
      }),
    );
  if (config.api.tokens.length > 0) {
    const feed = startCallbackFeed({
      reader: deps.newConnection(),
      prefix,
      manager: deps.manager,
      store: callbacks,
      logger,
    });
    deps.releasers.add('callback feed', () => feed.close());
    const sender = startCallbackSender({
      store: callbacks,
      tokens: config.api.tokens,
      attempts: config.callbacks.attempts,
      backoffMs: config.callbacks.backoffMs,
      logger,
      secrets: config.secrets,
    });
    deps.releasers.add('callback sender', () => sender.close());
  }
  if (config.api.tokens.length > 0 || deps.hooks.length > 0)
    logger.info(
      { api: config.api.tokens.map((token) => token.name), hooks: deps.hooks.map((hook) => hook.name) },
      `[api] REST API ${config.api.tokens.length > 0 ? `on for ${config.api.tokens.length} token(s)` : 'off'}; ${deps.hooks.length} webhook(s)`,
    );
  return {
    routers,
    handle: (entry) => intake.handle(entry),
    useSlack(slack) {
      useSlack((request, entryId) => intakeServiceJobs(slack, request, entryId));
    },
  };
}
