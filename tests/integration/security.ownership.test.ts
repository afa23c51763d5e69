// Access holds on every path, not only on the one that creates a job: a job
// belongs to whoever asked for it. Re-running a code job needs the code queue;
// cancel, retry and promote of someone else's job need an admin, whether it
// comes as the card's button, the failure notice's button, a word in the
// thread, a /queue command or a forged button value; refusals are private,
// logged and audited. A job queued from the workstation's CLI shows its text
// in Slack to admins only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION_IDS, jobButtonValue } from '@agentops/core';
import { CLI_TEXT_HIDDEN } from '@agentops/controller';
import { failNextJob } from '../support/fail-job.js';
import { waitFor } from '../support/processes.js';
import { startSlackStack, type SlackStack } from '../support/slack-stack.js';

const MEMBER = 'U0SIMUSER1';
const CODER = 'U0CODER1';
const ADMIN = 'U0ADMIN1';
/** Allowed and a code user only through the user group S0CODERS. */
const GROUPED = 'U0GROUPED';
let stack: SlackStack;

beforeAll(async () => {
  stack = await startSlackStack({
    env: { ALLOWED_USERS: `${MEMBER},${CODER},S0CODERS`, CODE_ALLOWED_USERS: `${CODER},S0CODERS`, ADMIN_USERS: ADMIN },
    sim: { userGroups: { S0CODERS: [GROUPED] } },
  });
  for (const id of [CODER, ADMIN]) stack.sim.addUser(id, id.toLowerCase());
}, 60_000);
afterAll(async () => {
  await stack?.close();
});

async function jobFor(text: string, userId: string): Promise<{ id: string; receiptTs: string }> {
  await stack.sim.sendSlashCommand({ text: `add ${text}`, userId });
  const job = await waitFor(
    async () => (await stack.queues.manager.list(undefined, 200)).find((entry) => entry.data.text === text),
    10_000,
    `the job "${text}"`,
  );
  return { id: job.id, receiptTs: await stack.receiptTs(job.id) };
}

const refusalsOf = (user: string, fragment: string) =>
  stack.sim.ephemerals().filter((entry) => entry.user === user && entry.text.includes(fragment));

describe('who may act on a job', () => {
  it('refuses another person’s re-run of a failed code job on every path, and lets an admin do it', async () => {
    await stack.queues.manager.pauseAll();
    const coderJob = await jobFor('fix the failing test in src/app.ts', CODER);
    await stack.queues.manager.resumeAll();
    await failNextJob(stack.queues, 'code');
    const notice = await stack.sim.waitForMessage(
      stack.channel,
      (message) => message.thread_ts === coderJob.receiptTs && message.text.startsWith(`Job #${coderJob.id} failed`),
      20_000,
    );
    const own = await jobFor('draft the lunch menu', MEMBER);
    const before = refusalsOf(MEMBER, 'is not yours').length;
    // The failure notice's Retry, the card's Retry, `retry` in the thread, /queue retry, and a forged value on one's own card.
    await stack.sim.sendBlockAction({ actionId: ACTION_IDS.retry, messageTs: notice.ts, userId: MEMBER });
    await stack.sim.sendBlockAction({
      actionId: ACTION_IDS.retry,
      messageTs: coderJob.receiptTs,
      userId: MEMBER,
      value: jobButtonValue(coderJob.id),
    });
    await stack.sim.sendMessage({ text: 'retry', threadTs: coderJob.receiptTs, userId: MEMBER });
    await stack.sim.sendSlashCommand({ text: `retry ${coderJob.id}`, userId: MEMBER });
    await stack.sim.sendBlockAction({
      actionId: ACTION_IDS.retry,
      messageTs: own.receiptTs,
      userId: MEMBER,
      value: jobButtonValue(coderJob.id),
    });
    await waitFor(() => refusalsOf(MEMBER, 'is not yours').length >= before + 5, 15_000, 'five refusals');
    expect((await stack.queues.manager.inspect(coderJob.id)).status).toBe('failed');
    expect(
      stack.logRecords({ refused: 'not_owner', action: 'retry', user: MEMBER, job: coderJob.id }).length,
    ).toBeGreaterThanOrEqual(5);
    expect(stack.botMessages().some((message) => message.text.includes('retried by'))).toBe(false);

    await stack.sim.sendSlashCommand({ text: `retry ${coderJob.id}`, userId: ADMIN });
    await waitFor(
      async () => (await stack.queues.manager.inspect(coderJob.id)).status !== 'failed',
      10_000,
      'the admin’s retry',
    );
  }, 90_000);

  it('refuses cancel and promote of someone else’s job, and allows them on one’s own', async () => {
    await stack.queues.manager.pauseAll();
    try {
      const theirs = await jobFor('summarize the coder’s notes', CODER);
      const mine = await jobFor('summarize my own notes', MEMBER);
      await stack.sim.sendBlockAction({ actionId: ACTION_IDS.cancel, messageTs: theirs.receiptTs, userId: MEMBER });
      await stack.sim.sendSlashCommand({ text: `promote ${theirs.id} p1`, userId: MEMBER });
      await waitFor(
        () => stack.logRecords({ refused: 'not_owner', user: MEMBER, job: theirs.id }).length >= 2,
        10_000,
        'two refusals',
      );
      const after = await stack.queues.manager.inspect(theirs.id);
      expect(after.status).toBe('waiting');
      expect(after.priority).toBe(3);
      await stack.sim.sendBlockAction({ actionId: ACTION_IDS.cancel, messageTs: mine.receiptTs, userId: MEMBER });
      await waitFor(
        async () => (await stack.queues.manager.inspect(mine.id)).status === 'cancelled',
        10_000,
        'one’s own cancel',
      );
      // Once ADMIN_USERS is set, pausing is for admins.
      const pause = await stack.sim.sendSlashCommand({ text: 'pause', userId: MEMBER });
      expect(pause.acked).toBe(true);
      await waitFor(() => refusalsOf(MEMBER, 'Only an admin').length > 0, 10_000, 'the pause refusal');
    } finally {
      await stack.queues.manager.resumeAll();
    }
  }, 60_000);

  it('shows the text of a CLI job in Slack to admins only', async () => {
    await stack.queues.manager.pauseAll();
    try {
      const job = await stack.queues.manager.enqueue({
        text: 'summarize my private diary',
        priority: 3,
        source: 'cli',
        requestedBy: 'cli:owner',
        routing: { queue: 'local', method: 'explicit', confidence: 1, patterns: [] },
      });
      await stack.sim.sendSlashCommand({ text: `inspect ${job.id}`, userId: MEMBER });
      const hidden = await waitFor(
        () =>
          stack.sim
            .ephemerals()
            .find((entry) => entry.user === MEMBER && entry.text.includes(`${job.id}`) && entry.text.includes('CLI')),
        10_000,
        'the member’s inspect',
      );
      expect(hidden.text).toContain(CLI_TEXT_HIDDEN);
      expect(hidden.text).not.toContain('private diary');
      await stack.sim.sendSlashCommand({ text: 'list', userId: MEMBER });
      const list = await waitFor(
        () =>
          stack.sim
            .ephemerals()
            .filter((entry) => entry.user === MEMBER && entry.text.includes('```'))
            .at(-1),
        10_000,
        'the member’s list',
      );
      expect(list.text).not.toContain('private diary');
      await stack.sim.sendSlashCommand({ text: `inspect ${job.id}`, userId: ADMIN });
      const shown = await waitFor(
        () => stack.sim.ephemerals().find((entry) => entry.user === ADMIN && entry.text.includes('private diary')),
        10_000,
        'the admin’s inspect',
      );
      expect(shown.text).toContain('summarize my private diary');
    } finally {
      await stack.queues.manager.resumeAll();
    }
  }, 60_000);

  it('lets members of a user group named in the lists in, with that list’s rights', async () => {
    await stack.queues.manager.pauseAll();
    try {
      const job = await jobFor('fix the flaky test in src/grouped.ts', GROUPED);
      expect((await stack.queues.manager.inspect(job.id)).queue).toBe('code');
    } finally {
      await stack.queues.manager.resumeAll();
    }
  });

  it('keeps every control action and refusal in the audit log, which only admins read', async () => {
    await stack.sim.sendSlashCommand({ text: 'audit', userId: MEMBER });
    await waitFor(() => refusalsOf(MEMBER, 'read the audit log').length > 0, 10_000, 'the member’s refusal');
    await stack.sim.sendSlashCommand({ text: 'audit', userId: ADMIN });
    const log = await waitFor(
      () => stack.sim.ephemerals().find((entry) => entry.user === ADMIN && entry.text.includes('refused (not_owner)')),
      10_000,
      'the admin’s audit log',
    );
    expect(log.text).toContain(`${MEMBER}  retry`);
    expect(log.text).toMatch(new RegExp(`${ADMIN}  retry  #\\d+  slash  done`));
    expect(log.text).toContain(`${MEMBER}  audit  -  slash  refused (admin_only)`);
  });
});
