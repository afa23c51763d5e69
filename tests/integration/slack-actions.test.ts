// The interactive controls through the real Bolt app: receipt buttons, status
// buttons and the worker select, redelivered clicks, forged values.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { ACTION_IDS, jobButtonValue } from '@agentops/core';
import { startSlackStack, type SlackStack } from '../support/slack-stack.js';
import { corruptJob } from '../support/corrupt-job.js';
import { failNextJob } from '../support/fail-job.js';
import { waitFor } from '../support/processes.js';

let stack: SlackStack;
beforeAll(async () => {
  stack = await startSlackStack();
}, 60_000);
afterAll(async () => {
  await stack?.close();
});

async function newJob(text: string) {
  await stack.sim.sendSlashCommand({ text: `add ${text}` });
  const receipt = await stack.sim.waitForMessage(
    stack.channel,
    (message) => message.text.includes(text.slice(0, 30)) && message.text.includes('queued on'),
    10_000,
  );
  const id = /Job #(\d+)/.exec(receipt.text)?.[1] ?? '';
  await waitFor(() => stack.queues.manager.inspect(id).catch(() => undefined), 5_000, 'the job');
  return { id, receiptTs: receipt.ts };
}

async function statusBoard() {
  const before = stack.botMessages().filter((message) => message.text.startsWith('Queue status')).length;
  await stack.sim.sendSlashCommand({ text: 'status' });
  await waitFor(
    () => stack.botMessages().filter((message) => message.text.startsWith('Queue status')).length > before,
    10_000,
    'a status board',
  );
  return stack
    .botMessages()
    .filter((message) => message.text.startsWith('Queue status'))
    .at(-1)!;
}

const click = (actionId: string, messageTs: string, extra: Record<string, unknown> = {}) =>
  stack.sim.sendBlockAction({ actionId, messageTs, ...extra });
const threadReply = (receiptTs: string, fragment: string) =>
  stack.sim.waitForMessage(
    stack.channel,
    (message) => message.thread_ts === receiptTs && message.text.includes(fragment),
    10_000,
  );

describe('receipt buttons', () => {
  it('Cancel removes a waiting job and says who did it in the thread and on the receipt', async () => {
    const { id, receiptTs } = await newJob('draft a note about the parking rules');
    const delivery = await click(ACTION_IDS.cancel, receiptTs);
    expect(delivery.ackMs).toBeLessThan(3_000);
    await threadReply(receiptTs, `Job #${id} cancelled by <@${stack.user}>`);
    expect((await stack.queues.manager.inspect(id)).status).toBe('cancelled');
    await waitFor(
      () => JSON.stringify(stack.sim.message(stack.channel, receiptTs)?.blocks).includes('Cancelled by'),
      5_000,
      'the receipt update',
    );
  });

  it('Retry puts a failed job back on its queue', async () => {
    const { id, receiptTs } = await newJob('rewrite the FAQ answer about refunds');
    expect(await failNextJob(stack.queues, 'local')).toBe(id);
    await click(ACTION_IDS.retry, receiptTs);
    await threadReply(receiptTs, 'retried by');
    await waitFor(async () => (await stack.queues.manager.inspect(id)).status === 'waiting', 5_000, 'waiting again');
  });

  it('Promote raises the priority one step, and refuses past P1', async () => {
    const { id, receiptTs } = await newJob('draft the holiday schedule announcement');
    await click(ACTION_IDS.promote, receiptTs);
    await threadReply(receiptTs, 'from P3 to P2');
    expect((await stack.queues.manager.inspect(id)).priority).toBe(2);
    await click(ACTION_IDS.promote, receiptTs);
    await threadReply(receiptTs, 'from P2 to P1');
    await click(ACTION_IDS.promote, receiptTs);
    await waitFor(
      () => stack.sim.ephemerals().find((entry) => entry.text.includes(`Job #${id} is already P1`)),
      10_000,
      'the refusal',
    );
  });

  it('acts once on a click Slack delivers four times, also concurrently', async () => {
    const { id, receiptTs } = await newJob('draft the team offsite invitation');
    const actionTs = '1700000123.000001';
    await Promise.all([0, 1, 2].map(() => click(ACTION_IDS.promote, receiptTs, { actionTs })));
    await click(ACTION_IDS.promote, receiptTs, { actionTs });
    await threadReply(receiptTs, 'from P3 to P2');
    await sleep(500);
    expect((await stack.queues.manager.inspect(id)).priority).toBe(2);
    expect(
      stack.logRecords({ duplicate: 'action', key: `action:${receiptTs}:${ACTION_IDS.promote}:${actionTs}` }).length,
    ).toBe(3);
  });

  it('refuses forged button values and unknown action ids, and stays up', async () => {
    const { id, receiptTs } = await newJob('draft a short bio for the conference');
    for (const value of [
      '{"id":"1; rm -rf /"}',
      'not json',
      JSON.stringify({ id, extra: true }),
      '{"id":"99999999999999999999"}',
    ]) {
      await click(ACTION_IDS.cancel, receiptTs, { value });
    }
    await waitFor(
      () =>
        stack.sim.ephemerals().filter((entry) => entry.text.includes('does not belong to a job I know')).length === 4,
      10_000,
      'four refusals',
    );
    await click('agentops_evil_action', receiptTs, { value: jobButtonValue(id) });
    await waitFor(
      () => stack.sim.ephemerals().find((entry) => entry.text.includes('not one of mine')),
      10_000,
      'the unknown-action answer',
    );
    await click(ACTION_IDS.cancel, receiptTs, { value: jobButtonValue('424242') });
    await waitFor(
      () => stack.sim.ephemerals().find((entry) => entry.text.includes('There is no job 424242')),
      10_000,
      'not found',
    );
    expect((await stack.queues.manager.inspect(id)).status).toBe('waiting');
    expect(stack.controller.child.exitCode).toBeNull();
  });
});

describe('status buttons', () => {
  it('Pause and Resume toggle every queue and update the board in place', async () => {
    const board = await statusBoard();
    await click(ACTION_IDS.pause, board.ts);
    await waitFor(
      () => JSON.stringify(stack.sim.message(stack.channel, board.ts)?.blocks).includes('Paused by'),
      10_000,
      'the paused board',
    );
    expect((await stack.queues.manager.status()).paused).toBe(true);
    const paused = stack.sim.message(stack.channel, board.ts);
    expect(JSON.stringify(paused?.blocks)).toContain(ACTION_IDS.resume);
    await click(ACTION_IDS.resume, board.ts);
    await waitFor(
      () => JSON.stringify(stack.sim.message(stack.channel, board.ts)?.blocks).includes('Resumed by'),
      10_000,
      'the resumed board',
    );
    expect((await stack.queues.manager.status()).paused).toBe(false);
  });

  it('Refresh updates the counts in the same message', async () => {
    const board = await statusBoard();
    await newJob('summarize the refresh test notes');
    const updates = stack.sim.calls('chat.update').length;
    await click(ACTION_IDS.refresh, board.ts);
    await waitFor(() => stack.sim.calls('chat.update').length > updates, 10_000, 'an update');
    const waiting = (await stack.queues.manager.status()).queues.find((queue) => queue.name === 'local')?.counts
      .waiting;
    expect(JSON.stringify(stack.sim.message(stack.channel, board.ts)?.blocks)).toContain(`${waiting} waiting`);
  });

  it('Set Workers applies the chosen concurrency to every queue', async () => {
    const board = await statusBoard();
    await click(ACTION_IDS.setWorkers, board.ts, { type: 'static_select', selectedOption: { value: '4' } });
    await waitFor(async () => (await stack.queues.manager.status()).globalConcurrency === 4, 10_000, 'concurrency 4');
    await waitFor(
      () => JSON.stringify(stack.sim.message(stack.channel, board.ts)?.blocks).includes('Concurrency set to 4'),
      10_000,
      'the board',
    );
    await click(ACTION_IDS.setWorkers, board.ts, { type: 'static_select', selectedOption: { value: '9' } });
    await waitFor(
      () => stack.sim.ephemerals().find((entry) => entry.text.includes('from 1 to 6, not "9"')),
      10_000,
      'the refusal',
    );
    expect((await stack.queues.manager.status()).globalConcurrency).toBe(4);
  });

  it('View Status posts a fresh status message', async () => {
    const board = await statusBoard();
    const count = stack.botMessages().filter((message) => message.text.startsWith('Queue status')).length;
    await click(ACTION_IDS.viewStatus, board.ts);
    await waitFor(
      () => stack.botMessages().filter((message) => message.text.startsWith('Queue status')).length === count + 1,
      10_000,
      'a new board',
    );
  });
});

describe('20 concurrent clicks on one job', () => {
  const inThread = (receiptTs: string, fragment: string) =>
    stack.botMessages().filter((message) => message.thread_ts === receiptTs && message.text.includes(fragment));
  const privately = (fragment: string) => stack.sim.ephemerals().filter((entry) => entry.text.includes(fragment));

  it('Retry of a failed job: one "retried by" in its thread, "already retried" to the other 19', async () => {
    await stack.queues.manager.queues.local.drain();
    const { id, receiptTs } = await newJob('rewrite the intro of the style guide');
    expect(await failNextJob(stack.queues, 'local')).toBe(id);
    const value = jobButtonValue(id);
    await Promise.all(Array.from({ length: 20 }, () => click(ACTION_IDS.retry, receiptTs, { value })));
    await waitFor(
      () => privately(`Job ${id} was already retried by`).length >= 19 || undefined,
      30_000,
      '19 "already retried" answers',
    );
    await threadReply(receiptTs, 'retried by');
    await sleep(1_000);
    expect(inThread(receiptTs, 'retried by')).toHaveLength(1);
    expect(privately(`Job ${id} was already retried by`)).toHaveLength(19);
    expect((await stack.queues.manager.inspect(id)).status).toBe('waiting');
  }, 60_000);

  it('Cancel of a waiting job: one "cancelled by" in its thread, "already cancelled" to the other 19', async () => {
    const { id, receiptTs } = await newJob('draft the reminder about the fire drill');
    const value = jobButtonValue(id);
    await Promise.all(Array.from({ length: 20 }, () => click(ACTION_IDS.cancel, receiptTs, { value })));
    await waitFor(
      () => privately(`Job ${id} was already cancelled by`).length >= 19 || undefined,
      30_000,
      '19 "already cancelled" answers',
    );
    await threadReply(receiptTs, `Job #${id} cancelled by`);
    await sleep(1_000);
    expect(inThread(receiptTs, 'cancelled by')).toHaveLength(1);
    expect(privately(`Job ${id} was already cancelled by`)).toHaveLength(19);
  }, 60_000);
});

describe('a job whose stored data cannot be read', () => {
  it('is listed as unreadable, and inspect, Retry and Cancel say what is wrong; the others still work', async () => {
    await stack.queues.manager.queues.local.drain();
    const healthy = await newJob('summarize the notes of the design review');
    const broken = await newJob('draft the agenda that will be corrupted');
    await corruptJob(stack.queues, 'local', broken.id, 'json');
    await stack.sim.sendSlashCommand({ text: 'list' });
    const list = await waitFor(
      () => stack.sim.ephemerals().find((entry) => entry.text.includes(`#${broken.id} `)),
      10_000,
      'the list',
    );
    expect(list.text).toMatch(new RegExp(`#${broken.id}\\s+local\\s+P3\\s+waiting\\s+.*unreadable data`));
    expect(list.text).toContain('summarize the notes of the design review');
    await stack.sim.sendSlashCommand({ text: `inspect ${broken.id}` });
    const refusal = `Job ${broken.id}'s stored data is unreadable (not valid JSON), so it cannot be`;
    await waitFor(
      () => stack.sim.ephemerals().find((entry) => entry.text.includes(`${refusal} shown.`)),
      10_000,
      'inspect',
    );
    const value = jobButtonValue(broken.id);
    await click(ACTION_IDS.retry, broken.receiptTs, { value });
    await waitFor(
      () => stack.sim.ephemerals().find((entry) => entry.text.includes(`${refusal} retried.`)),
      10_000,
      'retry',
    );
    await click(ACTION_IDS.cancel, broken.receiptTs, { value });
    await waitFor(
      () => stack.sim.ephemerals().find((entry) => entry.text.includes(`${refusal} cancelled.`)),
      10_000,
      'cancel',
    );
    expect(stack.sim.ephemerals().some((entry) => entry.text.includes('Unexpected end of JSON input'))).toBe(false);
    await stack.sim.sendSlashCommand({ text: `inspect ${healthy.id}` });
    await waitFor(
      () => stack.sim.ephemerals().find((entry) => entry.text.includes(`Job #${healthy.id}  WAITING`)),
      10_000,
      'the healthy job',
    );
    expect(stack.controller.child.exitCode).toBeNull();
  }, 40_000);
});
