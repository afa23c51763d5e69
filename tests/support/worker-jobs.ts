// What worker tests share: the Slack variables that point a worker at the
// simulator, reading its JSON logs, and queueing a job under a receipt the way
// the controller does.
import { WebClient } from '@slack/web-api';
import type { JobData, QueueName } from '@agentops/core';
import type { QueueHarness } from './queues.js';
import type { SimMessage, SlackSimulator } from './slack-sim/index.js';

export function simSlackEnv(sim: SlackSimulator): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: sim.config.botToken,
    SLACK_SIGNING_SECRET: 'sim-signing-secret',
    SLACK_CHANNEL_ID: sim.config.defaultChannelId,
    SLACK_APP_TOKEN: sim.config.appToken,
    SLACK_API_URL: sim.apiUrl,
  };
}

/** Posts a receipt in the simulator's channel and queues the job in its thread. */
export async function enqueueUnderReceipt(
  harness: QueueHarness,
  sim: SlackSimulator,
  queue: QueueName,
  text: string,
  user = 'U0SIMUSER1',
): Promise<{ job: JobData; receiptTs: string }> {
  const slack = new WebClient(sim.config.botToken, { slackApiUrl: sim.apiUrl });
  const receipt = await slack.chat.postMessage({ channel: sim.config.defaultChannelId, text: `Queued on ${queue}` });
  const receiptTs = receipt.ts ?? '';
  const job = await harness.manager.enqueue({
    text,
    priority: 3,
    source: 'slash',
    requestedBy: user,
    routing: { queue, method: 'explicit', confidence: 1, patterns: [] },
    slack: { channel: sim.config.defaultChannelId, user, receiptTs },
  });
  return { job, receiptTs };
}

/** A job's final failure notice in its receipt's thread, once it is there (it follows BullMQ's failed state). */
export function failureNotice(sim: SlackSimulator, receiptTs: string, id: string): Promise<SimMessage> {
  return sim.waitForMessage(
    sim.config.defaultChannelId,
    (message) => message.thread_ts === receiptTs && message.text.startsWith(`Job #${id} failed`),
    20_000,
  );
}
