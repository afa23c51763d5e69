// Every /queue subcommand through the real Bolt app over Socket Mode, with what
// Slack shows and what Redis holds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION_IDS, MAX_JOB_TEXT } from '@agentops/core';
import { createReceiptLinks } from '@agentops/controller';
import { deliveryKeyOf, startSlackStack, type SlackStack } from '../support/slack-stack.js';
import { failNextJob } from '../support/fail-job.js';
import { waitFor } from '../support/processes.js';

let stack: SlackStack;
beforeAll(async () => {
  stack = await startSlackStack();
}, 60_000);
afterAll(async () => {
  await stack?.close();
});

const slash = (text: string, extra: { channelId?: string; userId?: string } = {}) =>
  stack.sim.sendSlashCommand({ text, ...extra });
const ackText = (ack: unknown) => JSON.stringify(ack ?? {});
const receiptLinks = () => createReceiptLinks(stack.queues.redis, stack.queues.prefix);

async function queued(fragment: string) {
  const receipt = await stack.sim.waitForMessage(
    stack.channel,
    (message) => message.text.includes('queued on') && message.text.includes(fragment),
    10_000,
  );
  const id = /Job #(\d+)/.exec(receipt.text)?.[1] ?? '';
  // The receipt is posted first (its ts becomes the job's thread), then the job is queued.
  const job = await waitFor(
    () => stack.queues.manager.inspect(id).catch(() => undefined),
    5_000,
    `job ${id} to be queued`,
  );
  return { receipt, id, job };
}

function buttons(blocks: unknown): string[] {
  return (
    JSON.stringify(blocks)
      .match(/"action_id":"([^"]+)"/g)
      ?.map((match) => match.slice(13, -1)) ?? []
  );
}

describe('/queue over Socket Mode', () => {
  it('help answers in the ack, listing all 12 subcommands', async () => {
    const delivery = await slash('help');
    expect(delivery.acked).toBe(true);
    const text = ackText(delivery.ack);
    for (const name of [
      'help',
      'status',
      'add',
      'addp1',
      'addp2',
      'addp3',
      'workers',
      'pause',
      'resume',
      'cancel',
      'retry',
      'promote',
    ]) {
      expect(text).toContain(`/queue ${name}`);
    }
    expect(text).toContain('ephemeral');
  });

  it('status posts the Block Kit status board without calling the LLM', async () => {
    const before = stack.llm.calls();
    await slash('status');
    const board = await stack.sim.waitForMessage(
      stack.channel,
      (message) => message.text.startsWith('Queue status'),
      10_000,
    );
    const blocks = JSON.stringify(board.blocks);
    for (const queue of ['code', 'local', 'research']) expect(blocks).toContain(`*${queue}*`);
    expect(blocks).toContain('workers');
    expect(buttons(board.blocks)).toEqual([
      ACTION_IDS.pause,
      ACTION_IDS.refresh,
      ACTION_IDS.setWorkers,
      ACTION_IDS.viewStatus,
    ]);
    expect(stack.llm.calls()).toBe(before);
  });

  it('add posts a job card with its place in line, Cancel and Promote, and links it to the job', async () => {
    const delivery = await slash("add summarize today's news");
    expect(delivery.ackMs).toBeLessThan(3_000);
    const { receipt, id, job } = await queued("summarize today's news");
    // A waiting job can be cancelled or promoted; Retry comes once it failed or was cancelled.
    expect(buttons(receipt.blocks)).toEqual([ACTION_IDS.cancel, ACTION_IDS.promote]);
    expect(JSON.stringify(receipt.blocks)).toContain('Routed by keywords');
    expect(JSON.stringify(receipt.blocks)).toMatch(/Queued on \*local\* · \d+(st|nd|rd|th) in line/);
    expect(deliveryKeyOf(receipt)).toBe(`receipt:${id}`);
    expect(job).toMatchObject({ queue: 'local', priority: 3, status: 'waiting' });
    expect(job.data).toMatchObject({
      source: 'slash',
      requestedBy: stack.user,
      slack: { channel: stack.channel, user: stack.user },
    });
    // The delivery service linked the posted receipt and the job, both ways.
    expect(await receiptLinks().jobFor(receipt.ts)).toBe(id);
    expect(await receiptLinks().receiptOf(id)).toBe(receipt.ts);
    expect(stack.logRecords({ routed: 'local', method: 'keyword' }).length).toBeGreaterThan(0);
  });

  it('addp1, addp2 and addp3 set the priority', async () => {
    await slash('addp1 draft the outage email to customers');
    await slash('addp2 draft the weekly newsletter intro');
    await slash('addp3 draft a thank-you note to the team');
    expect((await queued('outage email')).job.priority).toBe(1);
    expect((await queued('weekly newsletter')).job.priority).toBe(2);
    expect((await queued('thank-you note')).job.priority).toBe(3);
  });

  it('workers, pause and resume change every queue and say who did it', async () => {
    await slash('workers 3');
    await stack.sim.waitForMessage(
      stack.channel,
      (message) => JSON.stringify(message.blocks).includes('Concurrency set to 3 by'),
      10_000,
    );
    expect((await stack.queues.manager.status()).globalConcurrency).toBe(3);
    await slash('pause');
    await stack.sim.waitForMessage(
      stack.channel,
      (message) => JSON.stringify(message.blocks).includes('Paused by'),
      10_000,
    );
    expect((await stack.queues.manager.status()).paused).toBe(true);
    await slash('resume');
    await stack.sim.waitForMessage(
      stack.channel,
      (message) => JSON.stringify(message.blocks).includes('Resumed by'),
      10_000,
    );
    expect((await stack.queues.manager.status()).paused).toBe(false);
  });

  it('cancel, promote and retry answer in the job thread', async () => {
    await slash('add draft a toast for the wedding');
    const { receipt, id } = await queued('toast for the wedding');
    await slash(`promote ${id} p1`);
    await stack.sim.waitForMessage(
      stack.channel,
      (message) => message.thread_ts === receipt.ts && message.text.includes('from P3 to P1'),
      10_000,
    );
    expect((await stack.queues.manager.inspect(id)).priority).toBe(1);
    await slash(`cancel ${id}`);
    await stack.sim.waitForMessage(
      stack.channel,
      (message) =>
        message.thread_ts === receipt.ts && message.text.includes(`Job #${id} cancelled by <@${stack.user}>`),
      10_000,
    );
    expect((await stack.queues.manager.inspect(id)).status).toBe('cancelled');
    await slash(`retry ${id}`);
    await stack.sim.waitForMessage(
      stack.channel,
      (message) => message.thread_ts === receipt.ts && message.text.includes('retried by'),
      10_000,
    );
    expect((await stack.queues.manager.inspect(id)).status).toBe('waiting');
  });

  it('retry puts a failed job back on its queue', async () => {
    await stack.queues.manager.pauseAll();
    await stack.queues.manager.resumeAll();
    await stack.queues.manager.queues.local.drain();
    await slash('add rewrite the onboarding paragraph');
    const { id } = await queued('onboarding paragraph');
    const failed = await failNextJob(stack.queues, 'local');
    expect(failed).toBe(id);
    await slash(`retry ${id}`);
    await waitFor(
      async () => (await stack.queues.manager.inspect(id)).status === 'waiting',
      5_000,
      'the job to wait again',
    );
  });

  it('refuses bad input with what was wrong and the right form', async () => {
    const cases: [string, string][] = [
      ['', 'Tell me what to do'],
      ['frobnicate', '`frobnicate` is not a command'],
      ['cancel', '`cancel` needs a job id'],
      ['cancel abc', '`abc` is not a job id'],
      ['workers 9', 'Use a whole number from 1 to 6'],
      ['promote 5 p7', '`p7` is not a priority'],
      [`add ${'x'.repeat(40_000)}`, 'the limit is 10,000'],
      [`add ${'漢'.repeat(MAX_JOB_TEXT + 1)}`, 'characters; the limit'],
    ];
    for (const [text, fragment] of cases) {
      const delivery = await slash(text);
      expect(delivery.ackMs, text.slice(0, 20)).toBeLessThan(3_000);
      expect(ackText(delivery.ack)).toContain(fragment);
      expect(ackText(delivery.ack)).toContain('ephemeral');
    }
    const emoji = await slash(`add ${'😀'.repeat(MAX_JOB_TEXT)}`);
    expect(emoji.acked).toBe(true);
    const { receipt } = await queued('😀😀😀');
    expect(JSON.stringify(receipt.blocks)).toContain('truncated');
    const receiptText = (receipt.blocks as { text?: { text?: string } }[])[0]?.text?.text ?? '';
    expect(receiptText.length).toBeLessThanOrEqual(3_000);
    expect(receiptText).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });

  it('answers a refusal for unknown or finished jobs privately', async () => {
    await slash('cancel 98765');
    const ephemeral = await waitFor(
      () => stack.sim.ephemerals().find((entry) => entry.text.includes('There is no job 98765')),
      10_000,
      'the refusal',
    );
    expect(ephemeral.user).toBe(stack.user);
  });

  it('serves only its own channel', async () => {
    stack.sim.addChannel('C0OTHER', 'random');
    const delivery = await slash('add summarize the other channel', { channelId: 'C0OTHER' });
    expect(ackText(delivery.ack)).toContain('only works in');
    const jobs = await stack.queues.manager.list();
    expect(jobs.some((job) => job.data.text.includes('other channel'))).toBe(false);
  });

  it('posts the receipt once, after the Retry-After, when Slack answers 429', async () => {
    stack.sim.failNext('chat.postMessage', { status: 429, retryAfterSec: 1 });
    const sent = Date.now();
    await slash('add draft the quarterly update for investors');
    const { receipt, id } = await queued('quarterly update');
    expect(Date.now() - sent).toBeGreaterThanOrEqual(1_000);
    expect(await receiptLinks().receiptOf(id)).toBe(receipt.ts);
    expect(
      stack.sim.messages(stack.channel).filter((message) => deliveryKeyOf(message) === `receipt:${id}`),
    ).toHaveLength(1);
  });

  it('is still alive after all of that', async () => {
    const delivery = await slash('status');
    expect(delivery.acked).toBe(true);
    expect(stack.controller.child.exitCode).toBeNull();
  });
});
