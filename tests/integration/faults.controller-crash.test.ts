// The controller killed (SIGKILL, no cleanup) at each step between Slack and
// Redis: after the written request (before Slack's ack), after the ack, after
// the job plan, after the receipt was handed to the outbox, after the job was
// queued, and the delivery loop right after a post and right after recording
// it. After a restart every request has exactly one job and one receipt, and
// every job exactly one answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CRASH_POINTS, type CrashPoint } from '@agentops/core';
import { deliveryKeyOf, startSlackStack, type SlackStack } from '../support/slack-stack.js';
import { waitFor } from '../support/processes.js';
import type { SimMessage } from '../support/slack-sim/index.js';

let stack: SlackStack;
beforeAll(async () => {
  stack = await startSlackStack();
  await stack.queues.startWorker({ FIXTURE_DELAY_MS: '50' });
}, 60_000);
afterAll(async () => {
  await stack?.close();
});

const keyed = (prefix: string) => (message: SimMessage) => deliveryKeyOf(message)?.startsWith(prefix) ?? false;

async function jobsWithText(text: string) {
  return (await stack.queues.manager.list(undefined, 500)).filter((job) => job.data.text === text);
}

/** Waits until the job for `text` exists and its thread settled, then checks there is one of everything. */
async function expectExactlyOnce(text: string): Promise<void> {
  const [job] = await waitFor(
    async () => {
      const jobs = await jobsWithText(text);
      return jobs.length > 0 ? jobs : undefined;
    },
    30_000,
    `a job for "${text}"\n${stack.controller.output().slice(-2_000)}`,
  );
  const id = job?.id ?? '';
  await waitFor(
    () => stack.botMessages().some(keyed(`answer:${id}:`)),
    30_000,
    `the answer of job ${id}\n${stack.controller.output().slice(-2_000)}`,
  );
  // Anything sent twice would arrive within the delivery loop's next passes.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  expect(await jobsWithText(text)).toHaveLength(1);
  const receipts = stack.botMessages().filter((message) => deliveryKeyOf(message) === `receipt:${id}`);
  expect(receipts).toHaveLength(1);
  expect(receipts[0]?.thread_ts).toBeUndefined();
  const answers = stack.botMessages().filter(keyed(`answer:${id}:`));
  expect(answers).toHaveLength(1);
  expect(answers[0]?.thread_ts).toBe(receipts[0]?.ts);
  expect((await stack.queues.manager.inspect(id)).status).toBe('completed');
}

async function crashed(): Promise<void> {
  await waitFor(
    () => stack.controller.child.signalCode === 'SIGKILL' || stack.controller.child.exitCode !== null,
    20_000,
    'the controller to kill itself',
  );
}

describe('a controller killed at each step of intake and delivery', () => {
  it('names every crash point it tests', () => {
    expect(CRASH_POINTS).toHaveLength(7);
  });

  for (const point of CRASH_POINTS) {
    it(`loses and repeats nothing when killed at ${point}`, async () => {
      await stack.restartController({ AGENTOPS_CRASH_AT: point });
      const text = `summarize the notes about ${point.replace(/[^a-z]/g, ' ')}`;
      const beforeAck = point === ('intake:after-inbox-write' satisfies CrashPoint);
      const sent = stack.sim.sendMessage({ text }, { requireAck: false });
      await crashed();
      const delivery = await sent;
      if (beforeAck) expect(delivery.acked).toBe(false);
      await stack.restartController({ AGENTOPS_CRASH_AT: '' });
      // Slack sends an event again when it got no ack; the inbox already has it.
      if (!delivery.acked) await stack.sim.redeliver(delivery.envelopeId, { retryReason: 'timeout' });
      await expectExactlyOnce(text);
    }, 90_000);
  }
});
