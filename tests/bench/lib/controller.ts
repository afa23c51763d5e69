// Starts the real controller process (controller/dist/server.js) against the
// Slack simulator, and waits until its Socket Mode connection is up. The
// controller is the only process that talks to Slack: its intake, its
// job-thread feed and its delivery service (with Slack's rate limits unless a
// phase opens them, see OPEN_DELIVERY_LIMITS).
import { startProcess, type BenchProcess } from './children.js';
import { agentopsEnv, slackEnv, SCRIPTS, type BenchContext } from './context.js';

/**
 * The delivery service's own token buckets opened as far as its settings go
 * (posts: no practical limit; edits: 10,000 a minute, bursts of 1,000), for
 * phases that measure AgentOps' machinery against the simulator without
 * Slack's limits rather than Slack's 1 post a second per channel.
 */
export const OPEN_DELIVERY_LIMITS: Record<string, string> = {
  SLACK_POST_PER_SEC: '100000',
  SLACK_POST_BURST: '1000',
  SLACK_UPDATE_PER_MIN: '10000',
  SLACK_UPDATE_BURST: '1000',
};

export interface LaunchedController {
  process: BenchProcess;
  /** Resolves once the controller is connected over Socket Mode and listening on its channel. */
  ready: Promise<BenchProcess>;
}

/** Spawns the controller at once; `ready` says when it serves Slack. */
export function launchController(
  ctx: BenchContext,
  name: string,
  prefix: string,
  llmUrl: string,
  extra: Record<string, string> = {},
): LaunchedController {
  const connections = ctx.sim.connectionCount;
  const env = agentopsEnv(ctx, prefix, {
    ...slackEnv(ctx.sim),
    LM_STUDIO_URL: llmUrl,
    ROUTER_LLM_TIMEOUT_MS: String(ctx.settings.routerTimeoutMs),
    ...extra,
  });
  const controller = startProcess({ name, script: SCRIPTS.controller, env, logDir: ctx.logDir });
  const ready = (async () => {
    await ctx.sim.waitForConnection(connections + 1, 30_000);
    await controller.waitForLog('Listening on channel', 30_000);
    return controller;
  })();
  // A caller that stops waiting (a failed phase) must not leave an unhandled rejection behind.
  ready.catch(() => undefined);
  return { process: controller, ready };
}

export async function startController(
  ctx: BenchContext,
  name: string,
  prefix: string,
  llmUrl: string,
  extra: Record<string, string> = {},
): Promise<BenchProcess> {
  return launchController(ctx, name, prefix, llmUrl, extra).ready;
}
