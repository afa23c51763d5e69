// What worker tests share: the Slack variables that point the controller at
// the simulator, a controller process that tells job threads (its job-thread
// feed and delivery service: workers never talk to Slack), and queueing a job
// under a receipt the way the intake does (the receipt goes through the
// outbox, the job onto its queue).
import path from 'node:path';
import { redisKeys, type JobData, type QueueName } from '@agentops/core';
import { createOutbox, receiptKey } from '@agentops/controller';
import type { QueueHarness } from './queues.js';
import { REPO_ROOT, startNode, waitFor, type RunningProcess } from './processes.js';
import { releaseAfter } from './release-after.js';
import type { SimMessage, SlackSimulator } from './slack-sim/index.js';

const CONTROLLER = path.join(REPO_ROOT, 'controller', 'dist', 'server.js');

export function simSlackEnv(sim: SlackSimulator): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: sim.config.botToken,
    SLACK_SIGNING_SECRET: 'sim-signing-secret',
    SLACK_CHANNEL_ID: sim.config.defaultChannelId,
    SLACK_APP_TOKEN: sim.config.appToken,
    SLACK_API_URL: sim.apiUrl,
  };
}

/**
 * Starts the built controller on the harness's Redis prefix and the simulator,
 * so that job threads are told what workers do. Stopped after the test (or
 * file) that started it.
 */
export async function startThreadController(
  harness: QueueHarness,
  sim: SlackSimulator,
  extra: Record<string, string> = {},
): Promise<RunningProcess> {
  const controller = startNode(CONTROLLER, {
    ...harness.env,
    ...simSlackEnv(sim),
    PORT: '0',
    LOG_LEVEL: 'info',
    LOG_FORMAT: 'json',
    ...extra,
  });
  releaseAfter(() => controller.stop('SIGTERM'));
  await waitFor(
    () => {
      if (controller.child.exitCode !== null) throw new Error(`the controller exited:\n${controller.output()}`);
      return controller.output().includes('Listening on channel');
    },
    20_000,
    'the controller to start',
  );
  return controller;
}

export interface UnderReceiptOptions {
  user?: string;
  priority?: 1 | 2 | 3;
  /** A CODE_WORKSPACES name, as the intake sets it. */
  workspace?: string;
  /** Runs between handing the receipt over and queueing the job. */
  afterReceipt?: () => void | Promise<void>;
}

/**
 * Queues a job as the intake does: its card (receipt) into the outbox, then the
 * job; resolves once the controller has posted the receipt. Needs a running
 * controller (startThreadController).
 */
export async function enqueueUnderReceipt(
  harness: QueueHarness,
  sim: SlackSimulator,
  queue: QueueName,
  text: string,
  options: UnderReceiptOptions = {},
): Promise<{ job: JobData; receiptTs: string }> {
  const user = options.user ?? 'U0SIMUSER1';
  const [id = ''] = await harness.manager.allocateIds(1);
  const channel = sim.config.defaultChannelId;
  const job: JobData = {
    id,
    text,
    priority: options.priority ?? 3,
    queue,
    source: 'slash',
    requestedBy: user,
    createdAt: Date.now(),
    routing: { queue, method: 'explicit', confidence: 1, patterns: [] },
    slack: { channel, user },
    ...(options.workspace ? { workspace: options.workspace } : {}),
  };
  await createOutbox(harness.redis, harness.prefix).send([
    {
      method: 'post',
      key: receiptKey(id),
      channel,
      message: { text: `Job #${id} queued on ${queue}`, blocks: [] },
      receiptOf: id,
    },
  ]);
  await options.afterReceipt?.();
  await harness.manager.add([job]);
  const receiptTs = await receiptTsOf(harness, id);
  return { job, receiptTs };
}

/** The ts of job `id`'s receipt, once the controller has posted it. */
export function receiptTsOf(harness: QueueHarness, id: string, timeoutMs = 20_000): Promise<string> {
  return waitFor(
    async () => (await harness.redis.get(redisKeys(harness.prefix).jobReceipt(id))) ?? undefined,
    timeoutMs,
    `job ${id}'s receipt to be posted`,
  );
}

/** A job's final failure notice in its receipt's thread, once it is there (it follows BullMQ's failed state). */
export function failureNotice(sim: SlackSimulator, receiptTs: string, id: string): Promise<SimMessage> {
  return sim.waitForMessage(
    sim.config.defaultChannelId,
    (message) => message.thread_ts === receiptTs && message.text.startsWith(`Job #${id} failed`),
    20_000,
  );
}

/** The edits of job card `receiptTs`, in order, as their notification texts. */
export function cardEdits(sim: SlackSimulator, receiptTs: string): string[] {
  return sim
    .calls('chat.update')
    .filter((call) => call.args.ts === receiptTs)
    .map((call) => String(call.args.text ?? ''));
}

/** The bot's replies in the thread of receipt `receiptTs`, in order (the card itself is not one). */
export function threadReplies(sim: SlackSimulator, receiptTs: string): SimMessage[] {
  return sim.messages(sim.config.defaultChannelId).filter((message) => message.thread_ts === receiptTs);
}

/** Job `id`'s answer (its first or only post) in its receipt's thread, once the controller has posted it. */
export function answerPost(
  sim: SlackSimulator,
  receiptTs: string,
  id: string,
  timeoutMs = 20_000,
): Promise<SimMessage> {
  return sim.waitForMessage(
    sim.config.defaultChannelId,
    (message) => message.thread_ts === receiptTs && message.text.startsWith(`Answer to job #${id}`),
    timeoutMs,
  );
}

/**
 * Job card `receiptTs` once its notification text shows `state` ("working",
 * "done", "failed", "cancelled", "interrupted", "attempt 1/3 failed", …): the
 * text after `Job #12 (local, P3) `.
 */
export function cardShowing(
  sim: SlackSimulator,
  receiptTs: string,
  state: string,
  timeoutMs = 20_000,
): Promise<SimMessage> {
  return sim.waitFor(
    () => {
      const card = sim.message(sim.config.defaultChannelId, receiptTs);
      const line = card?.text.replace(/^Job #\d+ \([^)]*\) /, '');
      return card && line?.startsWith(state) ? card : undefined;
    },
    timeoutMs,
    `card ${receiptTs} to show "${state}"`,
  );
}
