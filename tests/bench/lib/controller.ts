// Starts the real controller process (controller/dist/server.js) against the
// Slack simulator, and waits until its Socket Mode connection is up.
import { startProcess, type BenchProcess } from './children.js';
import { agentopsEnv, slackEnv, SCRIPTS, type BenchContext } from './context.js';

export async function startController(
  ctx: BenchContext,
  name: string,
  prefix: string,
  llmUrl: string,
  extra: Record<string, string> = {},
): Promise<BenchProcess> {
  const connections = ctx.sim.connectionCount;
  const env = agentopsEnv(ctx, prefix, {
    ...slackEnv(ctx.sim),
    LM_STUDIO_URL: llmUrl,
    ROUTER_LLM_TIMEOUT_MS: String(ctx.settings.routerTimeoutMs),
    ...extra,
  });
  const controller = startProcess({ name, script: SCRIPTS.controller, env, logDir: ctx.logDir });
  await ctx.sim.waitForConnection(connections + 1, 30_000);
  await controller.waitForLog('Listening on channel', 30_000);
  return controller;
}
