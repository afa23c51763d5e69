// The delivery service against the simulator: Slack down for a minute while
// jobs finish (workers keep going, the answers wait and then arrive once each,
// /ready says degraded with the backlog), a 50-line batch inside Slack's rate
// limits, and a Retry clicked the moment a failure notice appears.
import { afterEach, describe, expect, it } from 'vitest';
import { ACTION_IDS, jobButtonValue } from '@agentops/core';
import { failNextJob } from '../support/fail-job.js';
import { waitFor } from '../support/processes.js';
import { releaseAfter } from '../support/release-after.js';
import { deliveryKeyOf, startSlackStack, type SlackStack } from '../support/slack-stack.js';
import type { SimMessage } from '../support/slack-sim/index.js';

let stack: SlackStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

const keyed = (prefix: string) => (message: SimMessage) => deliveryKeyOf(message)?.startsWith(prefix) ?? false;

async function opsBase(current: SlackStack): Promise<string> {
  const port = await waitFor(
    () => /Operations server on http:\/\/127\.0\.0\.1:(\d+)/.exec(current.controller.output())?.[1],
    10_000,
    'the operations server',
  );
  return `http://127.0.0.1:${port}`;
}

/** Queues `count` jobs in one `queue:` message and returns their ids once each has its receipt. */
async function batch(current: SlackStack, label: string, count: number): Promise<string[]> {
  const lines = Array.from({ length: count }, (_, index) => `- summarize ${label} note ${index + 1}`);
  await current.sim.sendMessage({ text: `queue:\n${lines.join('\n')}` });
  const jobs = await waitFor(
    async () => {
      const found = (await current.queues.manager.list(undefined, 500)).filter((job) => job.data.text.includes(label));
      return found.length === count ? found : undefined;
    },
    30_000,
    `${count} jobs`,
  );
  return jobs.map((job) => job.id).sort((a, b) => Number(a) - Number(b));
}

describe('Slack delivery', () => {
  it('keeps completing jobs through 60 s of Slack 500s, then delivers every answer once, in its thread', async () => {
    stack = await startSlackStack({ env: { PORT: '0' } });
    const current = stack;
    await current.queues.manager.pauseAll();
    await current.queues.startWorker({ FIXTURE_DELAY_MS: '20', LOCAL_CONCURRENCY: '4' });
    const ids = await batch(current, 'outage', 20);
    const receipts = new Map<string, string>();
    for (const id of ids) receipts.set(id, await current.receiptTs(id));

    const outageMs = 60_000;
    const outage = current.sim.outage({ kind: { status: 500 }, forMs: outageMs });
    releaseAfter(() => outage.end());
    const began = Date.now();
    await current.queues.manager.resumeAll();
    await waitFor(
      async () => {
        const states = await Promise.all(ids.map(async (id) => (await current.queues.manager.inspect(id)).status));
        return states.every((state) => state === 'completed') || undefined;
      },
      30_000,
      'all 20 jobs to complete',
    );
    // The workers finished everything while Slack was still failing, and nothing got through.
    expect(Date.now() - began).toBeLessThan(outageMs);
    expect(current.botMessages().filter(keyed('answer:'))).toHaveLength(0);
    // The job-thread feed hands every answer to the outbox as the jobs complete; on a busy machine it may be a moment behind.
    const ready = await waitFor(
      async () => {
        const body = (await (await fetch(`${await opsBase(current)}/ready`)).json()) as {
          status: string;
          delivery: { state: string; backlog: number };
        };
        return body.delivery.backlog >= 20 ? body : undefined;
      },
      10_000,
      'the 20 answers to wait in the outbox',
    );
    expect(ready.status).toBe('degraded');
    expect(ready.delivery.state).toBe('degraded');

    await waitFor(
      () => current.botMessages().filter(keyed('answer:')).length >= 20,
      outageMs + 60_000,
      'the 20 answers after the outage',
    );
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    for (const id of ids) {
      const answers = current.botMessages().filter(keyed(`answer:${id}:`));
      expect(answers, `answers of job ${id}`).toHaveLength(1);
      expect(answers[0]?.thread_ts).toBe(receipts.get(id));
      expect(answers[0]?.text).toContain(`done ${id}`);
      expect(Number(answers[0]?.ts)).toBeGreaterThan(Number(receipts.get(id)));
      // The card ended on the outcome.
      await waitFor(
        () => current.sim.message(current.channel, receipts.get(id) ?? '')?.text.includes('done in'),
        30_000,
        `job ${id}'s card to show the outcome`,
      );
    }
    expect(Date.now() - began).toBeGreaterThanOrEqual(outageMs);
    const metrics = await (await fetch(`${await opsBase(current)}/metrics`)).text();
    expect(metrics).toMatch(/agentops_slack_deliveries_total\{method="chat.postMessage",outcome="retry"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/agentops_slack_outbox_depth\{[^}]*\} 0/);
  }, 180_000);

  it('delivers a 50-line batch inside Slack’s rate limits, with under 1% of calls answered 429', async () => {
    stack = await startSlackStack({ sim: { rateLimits: true } });
    const current = stack;
    await current.queues.startWorker({ FIXTURE_DELAY_MS: '5', LOCAL_CONCURRENCY: '8' });
    const started = Date.now();
    const ids = await batch(current, 'batch', 50);
    await waitFor(
      () => current.botMessages().filter(keyed('answer:')).length >= 50,
      180_000,
      `the 50 answers (${current.botMessages().filter(keyed('answer:')).length} so far)`,
    );
    const seconds = (Date.now() - started) / 1_000;
    for (const id of ids) {
      expect(current.botMessages().filter((message) => deliveryKeyOf(message) === `receipt:${id}`)).toHaveLength(1);
      expect(current.botMessages().filter(keyed(`answer:${id}:`))).toHaveLength(1);
    }
    const calls = current.sim.calls().length;
    const limited = current.sim.rateLimited();
    process.stdout.write(
      `[slack-delivery] 50-line batch: ${seconds.toFixed(1)} s, ${calls} calls, ${limited} answered 429\n`,
    );
    expect(limited / calls).toBeLessThan(0.01);
    // 100 posts in one channel: a burst of 20, then one a second.
    expect(seconds).toBeGreaterThanOrEqual(75);
  }, 240_000);

  it('re-runs a failed job when Retry is clicked the moment its failure notice appears', async () => {
    stack = await startSlackStack();
    const current = stack;
    await current.sim.sendSlashCommand({ text: 'add draft the notice that will fail once' });
    const [job] = await waitFor(
      async () => {
        const found = (await current.queues.manager.list(undefined, 50)).filter((entry) =>
          entry.data.text.includes('fail once'),
        );
        return found.length > 0 ? found : undefined;
      },
      10_000,
      'the job',
    );
    const id = job?.id ?? '';
    const receiptTs = await current.receiptTs(id);
    await failNextJob(current.queues, 'local');
    const notice = await current.sim.waitForMessage(
      current.channel,
      (message) => message.thread_ts === receiptTs && message.text.startsWith(`Job #${id} failed`),
      20_000,
    );
    await current.sim.sendBlockAction({ actionId: ACTION_IDS.retry, messageTs: notice.ts, value: jobButtonValue(id) });
    await current.sim.waitForMessage(
      current.channel,
      (message) => message.thread_ts === receiptTs && message.text.includes('retried by'),
      10_000,
    );
    await current.queues.startWorker({ FIXTURE_DELAY_MS: '5' });
    await current.sim.waitForMessage(current.channel, keyed(`answer:${id}:`), 20_000);
    expect((await current.queues.manager.inspect(id)).status).toBe('completed');
    expect(current.sim.ephemerals().some((entry) => entry.text.includes('only failed or cancelled'))).toBe(false);
  }, 60_000);

  it('sends the text alone when Slack refuses the blocks, and gives up on what Slack will never take', async () => {
    stack = await startSlackStack();
    const current = stack;
    await current.queues.startWorker({ FIXTURE_DELAY_MS: '5' });
    current.sim.failNext('chat.postMessage', { error: 'invalid_blocks' });
    await current.sim.sendSlashCommand({ text: 'add summarize the plain text fallback' });
    const plain = await current.sim.waitForMessage(
      current.channel,
      (message) => message.text.includes('plain text fallback') && !message.thread_ts,
      10_000,
    );
    expect(plain.blocks ?? []).toEqual([]);
    expect(current.logRecords({ slackError: 'invalid_blocks' }).length).toBeGreaterThan(0);
    const firstId = /^Job #(\d+)/.exec(plain.text)?.[1] ?? '';
    await current.sim.waitForMessage(current.channel, keyed(`answer:${firstId}:`), 20_000);

    // A receipt Slack refuses for good: the job still runs, and its answer goes to the channel.
    current.sim.failNext('chat.postMessage', { error: 'channel_not_found' });
    await current.sim.sendSlashCommand({ text: 'add summarize the lost receipt' });
    const answer = await current.sim.waitForMessage(
      current.channel,
      (message) => message.text.includes('Answer to job') && keyed('answer:')(message) && !message.thread_ts,
      20_000,
    );
    const id = /answer:(\d+):/.exec(deliveryKeyOf(answer) ?? '')?.[1] ?? '';
    expect((await current.queues.manager.inspect(id)).data.text).toBe('summarize the lost receipt');
    expect(current.logRecords({ slackError: 'channel_not_found', key: `receipt:${id}` })).toHaveLength(1);
    const dead = await current.queues.redis.lrange(`${current.queues.prefix}:agentops:outbox:dead`, 0, -1);
    expect(dead.map((entry) => (JSON.parse(entry) as { key: string }).key)).toContain(`receipt:${id}`);
  }, 60_000);

  it('keeps a waiting job’s place in line current on its card as the jobs ahead leave', async () => {
    stack = await startSlackStack({ env: { SLACK_WAITING_REFRESH_MS: '1000' } });
    const current = stack;
    await current.queues.manager.pauseAll();
    const ids = await batch(current, 'line', 3);
    for (const id of ids) await current.receiptTs(id);
    const last = ids[2] ?? '';
    const card = () => current.sim.message(current.channel, current.receiptOf(last)?.ts ?? '')?.text ?? '';
    await waitFor(() => card().includes('3rd in line'), 10_000, 'the third card to say 3rd');
    await current.sim.sendSlashCommand({ text: `cancel ${ids[0]}` });
    await waitFor(() => card().includes('2nd in line'), 10_000, `the third card to move up\n${card()}`);
    // Only cards whose place changed are drawn again.
    const edits = current.sim.calls('chat.update').filter((call) => call.args.ts === current.receiptOf(last)?.ts);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(
      current.sim.calls('chat.update').filter((call) => call.args.ts === current.receiptOf(last)?.ts),
    ).toHaveLength(edits.length);
  }, 60_000);
});
