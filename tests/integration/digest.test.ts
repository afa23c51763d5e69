// The failure digest and bulk actions through the real controller and the
// Slack simulator: final failures with two signatures make one channel
// message with two groups and their counts, posted at the first failure;
// Retry all puts the group's jobs back on their queue; Discard is for admins
// and removes them; a restart in the middle of the period loses nothing and
// posts nothing twice; each final failure writes the dead-letter log line.
// Bulk retry and cancel ask first, in Slack and at the CLI.
import path from 'node:path';
import { UnrecoverableError, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION_IDS, digestButtonValue, type QueueName } from '@agentops/core';
import { deliveryKeyOf, startSlackStack, type SlackStack } from '../support/slack-stack.js';
import { REPO_ROOT, runNode, waitFor } from '../support/processes.js';

const OTHER = 'U0OTHER01';
const ADMIN = 'U0ADMIN01';
const BIN = path.join(REPO_ROOT, 'controller', 'dist', 'cli.js');

let stack: SlackStack;
beforeAll(async () => {
  stack = await startSlackStack({ env: { FAILURE_DIGEST_MS: '120000', ADMIN_USERS: ADMIN } });
}, 60_000);
afterAll(async () => {
  await stack?.close();
});

/** Fails every job of `queue` it takes, for good, with the reason `reasonOf` gives its text. */
function failingWorker(queue: QueueName, reasonOf: (text: string) => string) {
  return new Worker(
    queue,
    async (job) => {
      throw new UnrecoverableError(reasonOf(String((job.data as { text?: string }).text)));
    },
    {
      connection: {
        host: stack.queues.config.redis.host,
        port: stack.queues.config.redis.port,
        maxRetriesPerRequest: null,
      },
      prefix: stack.queues.prefix,
      concurrency: 1,
    },
  );
}

async function newJob(text: string, userId?: string): Promise<string> {
  await stack.sim.sendSlashCommand({ text: `add ${text}`, ...(userId ? { userId } : {}) });
  const receipt = await stack.sim.waitForMessage(
    stack.channel,
    (message) => message.text.includes(text.slice(0, 30)) && /Job #\d+/.test(message.text),
    10_000,
  );
  return /Job #(\d+)/.exec(receipt.text)?.[1] ?? '';
}

const digests = () => stack.botMessages().filter((message) => deliveryKeyOf(message)?.startsWith('digest:'));
const status = async (id: string) => (await stack.queues.manager.inspect(id).catch(() => undefined))?.status;
const blocksOf = (message: { blocks?: unknown[] } | undefined) => JSON.stringify(message?.blocks ?? []);

/** The digest button of the group whose text holds `fragment`. */
function groupButton(fragment: string, actionId: string): { value: string; messageTs: string } {
  const message = digests()[0];
  const blocks = (message?.blocks ?? []) as {
    type: string;
    text?: { text: string };
    elements?: { action_id: string; value: string }[];
  }[];
  const index = blocks.findIndex((block) => block.type === 'section' && block.text?.text.includes(fragment));
  const value = blocks[index + 1]?.elements?.find((element) => element.action_id === actionId)?.value;
  if (!message || !value) throw new Error(`no ${actionId} for "${fragment}" in ${blocksOf(message)}`);
  return { value, messageTs: message.ts };
}

const ephemeral = (fragment: string, user = stack.user) =>
  waitFor(
    () => stack.sim.ephemerals().find((entry) => entry.user === user && entry.text.includes(fragment)),
    10_000,
    `a private answer with "${fragment}"`,
  );

describe('the failure digest', () => {
  const reachable: string[] = [];
  let notLoaded = '';

  it('groups final failures by signature in one message, posted at the first failure, and logs each', async () => {
    reachable.push(await newJob('first unreachable note to summarize'));
    reachable.push(await newJob('second unreachable note to summarize'));
    notLoaded = await newJob('summarize with the missing model');
    // A port of its own for each failure: the signature must see past it.
    const ports = [1231, 1232];
    const worker = failingWorker('local', (text) =>
      text.includes('missing model')
        ? 'Model "qwen-7b" is not loaded in LM Studio'
        : `LM Studio is not reachable at http://127.0.0.1:${ports.shift() ?? 1233}/v1`,
    );
    try {
      await waitFor(() => digests().length > 0, 15_000, 'the digest at the first failure');
      await waitFor(
        async () => (await Promise.all([...reachable, notLoaded].map(status))).every((state) => state === 'failed'),
        15_000,
        'three failures',
      );
    } finally {
      await worker.close();
    }
    await waitFor(() => digests()[0]?.text.includes('3 final failure(s) in 2 group(s)'), 15_000, 'the counts');
    expect(digests()).toHaveLength(1);
    const blocks = blocksOf(digests()[0]);
    expect(blocks).toContain('*2×* `FAILED` LM Studio is not reachable at &lt;url&gt;');
    expect(blocks).toContain('*1×* `FAILED` Model \\"…\\" is not loaded in LM Studio');
    expect(blocks).toContain(`Latest: job #${reachable[1]}`);
    expect(blocks).toContain('Retry all (2)');
    const logged = stack.logRecords({ deadLetter: true, jobId: notLoaded });
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({
      queue: 'local',
      attempt: expect.stringMatching(/^1\/\d+$/),
      requestedBy: stack.user,
      code: 'FAILED',
      error: 'Model "qwen-7b" is not loaded in LM Studio',
      action: `agentops inspect ${notLoaded}`,
    });
  });

  it('keeps counting across a controller restart in the middle of the period, in the same message', async () => {
    await stack.controller.stop('SIGTERM');
    const id = await stack.queues.manager
      .enqueue({
        text: 'summarize while the controller is away',
        priority: 3,
        source: 'cli',
        requestedBy: 'cli:tester',
        routing: { queue: 'local', method: 'explicit', confidence: 1, patterns: [] },
      })
      .then((data) => data.id);
    const worker = failingWorker('local', () => 'LM Studio is not reachable at http://127.0.0.1:4444/v1');
    await waitFor(async () => (await status(id)) === 'failed', 15_000, 'the failure while away');
    await worker.close();
    await stack.restartController();
    await waitFor(() => digests()[0]?.text.includes('4 final failure(s) in 2 group(s)'), 15_000, 'the new count');
    expect(digests()).toHaveLength(1);
    expect(stack.logRecords({ deadLetter: true, jobId: id })).toHaveLength(1);
    reachable.push(id);
  }, 60_000);

  it('Retry all puts the group’s jobs back on their queue, skipping other people’s for a non-admin', async () => {
    const button = groupButton('not reachable', ACTION_IDS.digestRetry);
    await stack.sim.sendBlockAction({ actionId: ACTION_IDS.digestRetry, ...button });
    const answer = await ephemeral('Retried 2 jobs');
    expect(answer.text).toContain('Skipped 1 job of other people');
    for (const id of reachable.slice(0, 2))
      await waitFor(async () => (await status(id)) === 'waiting', 10_000, `job ${id} waiting`);
    expect(await status(reachable[2] ?? '')).toBe('failed');
    // An admin retries the rest; then the group shows who retried it and loses its buttons.
    await stack.sim.sendBlockAction({ actionId: ACTION_IDS.digestRetry, userId: ADMIN, ...button });
    await ephemeral('Retried 1 job', ADMIN);
    await waitFor(() => blocksOf(digests()[0]).includes(`Retried by <@${ADMIN}>`), 10_000, 'the settled group');
  });

  it('Discard is for admins and removes the group’s failed jobs', async () => {
    const button = groupButton('is not loaded', ACTION_IDS.digestDiscard);
    await stack.sim.sendBlockAction({ actionId: ACTION_IDS.digestDiscard, ...button });
    await ephemeral('Only an admin (ADMIN_USERS) may discard failed jobs');
    expect(await status(notLoaded)).toBe('failed');
    await stack.sim.sendBlockAction({ actionId: ACTION_IDS.digestDiscard, userId: ADMIN, ...button });
    await ephemeral('Discarded (removed) 1 job', ADMIN);
    expect(await status(notLoaded)).toBeUndefined();
    await waitFor(() => blocksOf(digests()[0]).includes(`Discarded by <@${ADMIN}>`), 10_000, 'the discarded group');
    expect(digests()).toHaveLength(1);
  });

  it('refuses forged digest buttons', async () => {
    const messageTs = digests()[0]?.ts ?? '';
    await stack.sim.sendBlockAction({ actionId: ACTION_IDS.digestRetry, messageTs, value: '{"digest":"x"}' });
    await ephemeral('does not belong to a question or digest I know');
    const gone = digestButtonValue({ digest: 'd1', group: '0123456789ab' });
    await stack.sim.sendBlockAction({ actionId: ACTION_IDS.digestRetry, messageTs, value: gone });
    await ephemeral('no longer kept');
  });
});

describe('bulk retry and cancel', () => {
  beforeAll(async () => {
    // The digest's jobs are back in line; these tests count from an empty queue.
    await stack.queues.manager.queues.local.obliterate({ force: true });
  });

  const confirmOf = (entry: { blocks: unknown[] | undefined }) => {
    const actions = (entry.blocks ?? []) as { type: string; elements?: { action_id: string; value: string }[] }[];
    return actions
      .flatMap((block) => block.elements ?? [])
      .find((element) => element.action_id === ACTION_IDS.bulkConfirm)?.value;
  };

  it('asks with the count in Slack, skips other people’s jobs for a non-admin, then retries', async () => {
    const mine = await newJob('draft the failing bulk note', stack.user);
    const theirs = await newJob('draft the other failing bulk note', OTHER);
    const worker = failingWorker('local', () => 'LM Studio answered 500');
    await waitFor(
      async () => (await status(mine)) === 'failed' && (await status(theirs)) === 'failed',
      15_000,
      'failures',
    );
    await worker.close();
    await stack.sim.sendSlashCommand({ text: 'retry failed local' });
    const question = await ephemeral('Retry 1 failed job on local?');
    expect(question.text).toContain("1 other job is someone else's and will be skipped");
    expect(await status(mine)).toBe('failed');
    const value = confirmOf(question);
    await stack.sim.sendBlockAction({ actionId: ACTION_IDS.bulkConfirm, messageTs: question.message_ts, value });
    await ephemeral(`Retried 1 job on local: #${mine}`);
    await waitFor(async () => (await status(mine)) === 'waiting', 10_000, 'mine waiting');
    expect(await status(theirs)).toBe('failed');
    // The token is used up, and only its asker could use it.
    await stack.sim.sendBlockAction({ actionId: ACTION_IDS.bulkConfirm, messageTs: question.message_ts, value });
    await ephemeral('This confirmation has expired');
  });

  it('cancels waiting jobs after Confirm, and Never mind changes nothing', async () => {
    await stack.sim.sendSlashCommand({ text: 'cancel waiting research' });
    await ephemeral('There are no waiting jobs on research you may cancel.');
    const waiting = await newJob('draft the note nobody needs');
    await stack.sim.sendSlashCommand({ text: 'cancel waiting', userId: ADMIN });
    const question = await ephemeral('waiting job', ADMIN);
    await stack.sim.sendBlockAction({
      actionId: ACTION_IDS.bulkDismiss,
      userId: ADMIN,
      messageTs: question.message_ts,
      value: confirmOf(question),
    });
    await ephemeral('Nothing was changed.', ADMIN);
    expect(await status(waiting)).toBe('waiting');
    await stack.sim.sendSlashCommand({ text: 'cancel waiting', userId: ADMIN });
    await waitFor(
      () =>
        stack.sim.ephemerals().filter((entry) => entry.user === ADMIN && entry.text.includes('waiting job')).length >=
        2,
      10_000,
      'the second question',
    );
    const again = stack.sim
      .ephemerals()
      .filter((entry) => entry.user === ADMIN && entry.text.includes('waiting job'))
      .at(-1);
    await stack.sim.sendBlockAction({
      actionId: ACTION_IDS.bulkConfirm,
      userId: ADMIN,
      messageTs: again?.message_ts ?? '',
      value: again ? confirmOf(again) : '',
    });
    await ephemeral('Cancelled', ADMIN);
    await waitFor(async () => (await status(waiting)) === 'cancelled', 10_000, 'cancelled');
  });

  it('asks at the CLI: --yes acts, and without a terminal or --yes nothing is done', async () => {
    const agentops = (args: string[]) => runNode(BIN, args, stack.env);
    const id = await newJob('draft the cli bulk note');
    const worker = failingWorker('local', () => 'LM Studio answered 502');
    await waitFor(async () => (await status(id)) === 'failed', 15_000, 'the failure');
    await worker.close();
    const refused = await agentops(['retry', 'failed', '--queue', 'local']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/Retry \d+ failed jobs? on local\?/);
    expect(refused.stderr).toContain('Add --yes to confirm');
    expect(await status(id)).toBe('failed');
    const done = await agentops(['retry', 'failed', '--queue', 'local', '--yes']);
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toContain(`#${id}`);
    await waitFor(async () => (await status(id)) === 'waiting', 10_000, 'waiting again');
    const cancel = await agentops(['cancel', 'waiting', 'local', '--yes']);
    expect(cancel.code, cancel.stderr).toBe(0);
    expect(cancel.stdout).toMatch(/Cancelled \d+ jobs? on local/);
    expect(await status(id)).toBe('cancelled');
  });
});
