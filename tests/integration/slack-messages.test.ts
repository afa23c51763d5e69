// Plain channel messages through the real Bolt app: jobs, status, batches,
// priorities, thread commands, redelivered events and everything that must not
// become a job.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { startSlackStack, type SlackStack } from '../support/slack-stack.js';
import { waitFor } from '../support/processes.js';

let stack: SlackStack;
beforeAll(async () => {
  stack = await startSlackStack();
}, 60_000);
afterAll(async () => {
  await stack?.close();
});

const say = (
  text: string,
  extra: Parameters<SlackStack['sim']['sendMessage']>[0] extends infer T ? Partial<T> : never = {},
) => stack.sim.sendMessage({ text, ...extra });

async function jobWithText(fragment: string) {
  return waitFor(
    async () => (await stack.queues.manager.list(undefined, 200)).find((job) => job.data.text.includes(fragment)),
    10_000,
    `a job with "${fragment}"`,
  );
}

async function jobCount(): Promise<number> {
  return (await stack.queues.manager.list(undefined, 500)).length;
}

describe('channel messages over Socket Mode', () => {
  it('turns any text into a job with a receipt in the channel', async () => {
    const sent = await say('summarize the design doc for the new billing flow');
    expect(sent.acked).toBe(true);
    const job = await jobWithText('design doc for the new billing flow');
    expect(job.data).toMatchObject({ source: 'message', priority: 3, queue: 'local', slack: { messageTs: sent.ts } });
    const receiptTs = await stack.receiptTs(job.id);
    expect(stack.receiptOf(job.id)?.ts).toBe(receiptTs);
    expect(stack.receiptOf(job.id)?.thread_ts).toBeUndefined();
  });

  it('answers status and queue status with the status board', async () => {
    const before = stack.botMessages().filter((message) => message.text.startsWith('Queue status')).length;
    await say('status');
    await say('queue status');
    await waitFor(
      () => stack.botMessages().filter((message) => message.text.startsWith('Queue status')).length === before + 2,
      10_000,
      'two status boards',
    );
  });

  it('queues a queue: batch as one job per line, each with its own receipt', async () => {
    await say(
      'queue:\n- draft the agenda for Monday\n- research standing desk options\n- fix the typo in src/readme.ts',
    );
    const agenda = await jobWithText('agenda for Monday');
    const desks = await jobWithText('standing desk options');
    const typo = await jobWithText('typo in src/readme.ts');
    expect([agenda.queue, desks.queue, typo.queue]).toEqual(['local', 'research', 'code']);
    for (const job of [agenda, desks, typo]) await stack.receiptTs(job.id);
    // One card each, in the order of the lines.
    const order = [agenda, desks, typo].map((job) => Number(stack.receiptOf(job.id)?.ts));
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('reads p1:, p2: and p3: prefixes', async () => {
    await say('p1: draft the incident summary for customers');
    await say('P2: draft the retro notes');
    expect((await jobWithText('incident summary')).priority).toBe(1);
    expect((await jobWithText('retro notes')).priority).toBe(2);
  });

  it('makes one job from an event delivered three times, one after the other', async () => {
    const first = await say('draft a haiku about queues', { eventId: 'Ev0DUPSEQ' });
    await stack.sim.redeliver(first.envelopeId);
    await stack.sim.redeliver(first.envelopeId, { retryReason: 'timeout' });
    await jobWithText('haiku about queues');
    await sleep(500);
    const jobs = (await stack.queues.manager.list(undefined, 500)).filter((job) =>
      job.data.text.includes('haiku about queues'),
    );
    expect(jobs).toHaveLength(1);
    expect(stack.logRecords({ duplicate: 'message', key: 'event:Ev0DUPSEQ' })).toHaveLength(2);
    expect(await stack.queues.redis.exists(`${stack.queues.prefix}:agentops:idemp:event:Ev0DUPSEQ`)).toBe(1);
  });

  it('makes one job when the same event arrives four times at once', async () => {
    const deliveries = await Promise.all(
      [0, 1, 2, 3].map((attempt) =>
        say('draft a limerick about retries', {
          eventId: 'Ev0DUPCON',
          ts: '1700000000.777700',
          retryAttempt: attempt,
          retryReason: attempt ? 'http_timeout' : '',
        }),
      ),
    );
    expect(deliveries.every((delivery) => delivery.acked)).toBe(true);
    await jobWithText('limerick about retries');
    await sleep(500);
    const jobs = (await stack.queues.manager.list(undefined, 500)).filter((job) =>
      job.data.text.includes('limerick about retries'),
    );
    expect(jobs).toHaveLength(1);
  });

  it("ignores the bot's own receipts, other bots, edits, joins and other channels", async () => {
    await waitFor(async () => stack.sim.deliveries().length > 0, 5_000, 'echoes');
    const before = await jobCount();
    stack.sim.addChannel('C0OTHER2', 'elsewhere');
    await say('summarize this in another channel', { channelId: 'C0OTHER2' });
    await say('summarize as another bot', { botId: 'B0OTHERBOT' });
    await say('summarize an edit', { subtype: 'message_changed' });
    await say('<@U0NEW> has joined the channel', { subtype: 'channel_join' });
    await say('summarize my own words', { userId: stack.sim.config.botUserId });
    await sleep(700);
    expect(await jobCount()).toBe(before);
    expect(stack.sim.ephemerals().some((entry) => entry.channel === 'C0OTHER2')).toBe(false);
  });

  it('decodes Slack-escaped text and escapes it again in the receipt', async () => {
    await say(
      'summarize &lt;b&gt;bold&lt;/b&gt; notes from <@U0ALICE> at <https://example.com/notes|the notes page> &amp; ping <!channel>',
    );
    const job = await jobWithText('bold');
    await stack.receiptTs(job.id);
    expect(job.data.text).toBe(
      'summarize <b>bold</b> notes from @U0ALICE at the notes page (https://example.com/notes) & ping @channel',
    );
    const receipt = stack.receiptOf(job.id);
    const blocks = JSON.stringify(receipt?.blocks);
    expect(blocks).toContain('&lt;b&gt;bold');
    expect(blocks).not.toContain('<!channel>');
  });

  it('refuses empty, mention-only and over-long messages privately, and keeps running', async () => {
    const before = await jobCount();
    await say(`<@${stack.sim.config.botUserId}>`);
    await waitFor(
      () => stack.sim.ephemerals().find((entry) => entry.text.includes('no text to queue')),
      10_000,
      'the empty-message answer',
    );
    await say('y'.repeat(40_001));
    await waitFor(
      () => stack.sim.ephemerals().find((entry) => entry.text.includes('40,001 characters; the limit is 10,000')),
      10_000,
      'the too-long answer',
    );
    await say(`queue:\n${'z'.repeat(10_001)}`);
    await waitFor(
      () => stack.sim.ephemerals().find((entry) => entry.text.startsWith('Item 1:')),
      10_000,
      'the batch item answer',
    );
    await say('\u0000\u0007 \t ');
    await sleep(300);
    expect(await jobCount()).toBe(before);
    expect(stack.controller.child.exitCode).toBeNull();
  });

  it('understands cancel and p1 in a job thread, and queues anything else as a follow-up that waits its turn', async () => {
    await say('draft a welcome message for new hires');
    const job = await jobWithText('welcome message for new hires');
    const receiptTs = await stack.receiptTs(job.id);
    await say('p1', { threadTs: receiptTs });
    await waitFor(async () => (await stack.queues.manager.inspect(job.id)).priority === 1, 10_000, 'the promotion');
    await say('what does this do?', { threadTs: receiptTs });
    const followUp = await jobWithText('what does this do?');
    expect(followUp.data.thread).toEqual({ root: job.id, after: job.id });
    // Parked: the job before it in the thread has not run yet.
    await waitFor(
      async () => (await stack.queues.manager.inspect(followUp.id)).status === 'delayed',
      10_000,
      'the parked follow-up',
    );
    // `cancel` means the thread's job that is running or next: the first one.
    await say('cancel', { threadTs: receiptTs });
    await waitFor(
      async () => (await stack.queues.manager.inspect(job.id)).status === 'cancelled',
      10_000,
      'the cancel',
    );
    // With the job before it gone, the follow-up takes its turn.
    await waitFor(
      async () => (await stack.queues.manager.inspect(followUp.id)).status === 'waiting',
      10_000,
      'the follow-up to be let go',
    );
    const reply = await stack.sim.waitForMessage(
      stack.channel,
      (message) => message.thread_ts === receiptTs && message.text.includes('cancelled by'),
      10_000,
    );
    expect(reply.text).toContain(`<@${stack.user}>`);
  });

  it('answers help with the help text, privately', async () => {
    await say('help');
    const help = await waitFor(
      () => stack.sim.ephemerals().find((entry) => JSON.stringify(entry.blocks ?? '').includes('/queue promote')),
      10_000,
      'help',
    );
    expect(help.user).toBe(stack.user);
  });
});
