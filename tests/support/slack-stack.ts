// The whole Slack side for end-to-end tests: the Slack simulator, an LM Studio
// stand-in, the built controller process talking Socket Mode to the simulator,
// and the queue manager on the same Redis prefix to check what happened.
import path from 'node:path';
import { redisKeys } from '@agentops/core';
import {
  startSlackSimulator,
  type SlackSimulator,
  type SimMessage,
  type SlackSimulatorOptions,
} from './slack-sim/index.js';
import { startOpenAIStandin, type OpenAIStandin, type OpenAIStandinOptions } from './llm/openai-standin.js';
import { openQueues, type QueueHarness } from './queues.js';
import { REPO_ROOT, startNode, waitFor, type RunningProcess } from './processes.js';
import { logRecordsMatching } from './logs.js';

/** The delivery key a message carries in its metadata (every AgentOps post has one). */
export function deliveryKeyOf(message: SimMessage): string | undefined {
  const metadata = (message as { metadata?: { event_payload?: { key?: unknown } } }).metadata;
  const key = metadata?.event_payload?.key;
  return typeof key === 'string' ? key : undefined;
}

export const CONTROLLER = path.join(REPO_ROOT, 'controller', 'dist', 'server.js');
export const SIGNING_SECRET = 'test-signing-secret-0123456789';

export interface SlackStack {
  sim: SlackSimulator;
  llm: OpenAIStandin;
  queues: QueueHarness;
  controller: RunningProcess;
  channel: string;
  user: string;
  env: Record<string, string>;
  /** Messages the bot posted in the channel (top level or in threads). */
  botMessages(): SimMessage[];
  /** The receipt message (job card) of job `id`. */
  receiptOf(id: string): SimMessage | undefined;
  /** The ts of job `id`'s receipt, once the delivery service has posted it. */
  receiptTs(id: string, timeoutMs?: number): Promise<string>;
  /** Log lines of the controller that contain `fragment`. */
  /** The controller's JSON log lines whose fields include all of `fields`. */
  logRecords(fields: Record<string, unknown>): Record<string, unknown>[];
  restartController(extra?: Record<string, string>): Promise<void>;
  close(): Promise<void>;
}

export interface SlackStackOptions {
  env?: Record<string, string>;
  llm?: OpenAIStandinOptions;
  /** Redis settings to use instead of the suite's (e.g. a Redis the test stops). */
  redis?: { host: string; port: number; password?: string };
  sim?: SlackSimulatorOptions;
}

export async function startSlackStack(options: SlackStackOptions = {}): Promise<SlackStack> {
  const sim = await startSlackSimulator(options.sim ?? {});
  const llm = await startOpenAIStandin(options.llm ?? {});
  const queues = await openQueues(
    options.redis
      ? {
          REDIS_HOST: options.redis.host,
          REDIS_PORT: String(options.redis.port),
          ...(options.redis.password ? { REDIS_PASSWORD: options.redis.password } : {}),
        }
      : {},
  );
  const env: Record<string, string> = {
    ...queues.env,
    SLACK_BOT_TOKEN: sim.config.botToken,
    SLACK_APP_TOKEN: sim.config.appToken,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_CHANNEL_ID: sim.config.defaultChannelId,
    SLACK_API_URL: sim.apiUrl,
    LM_STUDIO_URL: llm.baseURL,
    LOG_LEVEL: 'debug',
    ...options.env,
  };
  let controller = startNode(CONTROLLER, env);
  let connections = 0;
  const waitReady = async () => {
    connections += 1;
    await sim.waitForConnection(connections, 20_000);
    await waitFor(
      () => controller.output().includes('Listening on channel'),
      20_000,
      `controller to start\n${controller.output()}`,
    );
  };
  await waitReady();
  const channel = sim.config.defaultChannelId;
  const botMessages = () =>
    sim.messages(channel).filter((message) => message.user === sim.config.botUserId || message.bot_id !== undefined);
  return {
    sim,
    llm,
    queues,
    get controller() {
      return controller;
    },
    channel,
    user: sim.config.defaultUserId,
    env,
    botMessages,
    receiptOf: (id) =>
      botMessages().find((message) => deliveryKeyOf(message) === `receipt:${id}` && !message.thread_ts),
    receiptTs: (id, timeoutMs = 10_000) =>
      waitFor(
        async () => (await queues.redis.get(redisKeys(queues.prefix).jobReceipt(id))) ?? undefined,
        timeoutMs,
        `job ${id}'s receipt to be posted`,
      ),
    logRecords: (fields) => logRecordsMatching(controller.output(), fields),
    async restartController(extra = {}) {
      await controller.stop('SIGTERM');
      controller = startNode(CONTROLLER, { ...env, ...extra });
      await waitReady();
    },
    async close() {
      await controller.stop('SIGTERM');
      await queues.close();
      await llm.close();
      await sim.close();
    },
  };
}
