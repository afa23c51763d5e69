// Access is explicit: ALLOWED_USERS may use AgentOps at all, CODE_ALLOWED_USERS
// may start code jobs; refusals are private and logged; destructive controls
// follow the same rules.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { ACTION_IDS } from '@agentops/core';
import { startSlackStack, type SlackStack } from '../support/slack-stack.js';
import { waitFor } from '../support/processes.js';

const CODER = 'U0CODER1';
const OUTSIDER = 'U0OUTSIDE';
let stack: SlackStack;

beforeAll(async () => {
  stack = await startSlackStack({ env: { ALLOWED_USERS: `U0SIMUSER1,${CODER}`, CODE_ALLOWED_USERS: CODER } });
  stack.sim.addUser(CODER, 'coder');
  stack.sim.addUser(OUTSIDER, 'outsider');
}, 60_000);
afterAll(async () => {
  await stack?.close();
});

const jobs = async () => stack.queues.manager.list(undefined, 500);

describe('access control', () => {
  it('refuses everything from a user outside ALLOWED_USERS, privately, and logs it', async () => {
    const before = (await jobs()).length;
    const add = await stack.sim.sendSlashCommand({ text: 'add summarize the secrets', userId: OUTSIDER });
    expect(JSON.stringify(add.ack)).toContain('not on this AgentOps allow list');
    const pause = await stack.sim.sendSlashCommand({ text: 'pause', userId: OUTSIDER });
    expect(JSON.stringify(pause.ack)).toContain('not on this AgentOps allow list');
    await stack.sim.sendMessage({ text: 'summarize this as an outsider', userId: OUTSIDER });
    await waitFor(
      () => stack.sim.ephemerals().find((entry) => entry.user === OUTSIDER && entry.text.includes('allow list')),
      10_000,
      'the message refusal',
    );
    await sleep(300);
    expect((await jobs()).length).toBe(before);
    expect((await stack.queues.manager.status()).paused).toBe(false);
    expect(stack.logRecords({ refused: 'not_allowed', kind: 'slash', user: OUTSIDER }).length).toBe(2);
    expect(stack.logRecords({ refused: 'not_allowed', kind: 'message', user: OUTSIDER }).length).toBe(1);
  });

  it('refuses destructive buttons from an outsider', async () => {
    await stack.sim.sendSlashCommand({ text: 'add draft a memo about lunch' });
    const receipt = await stack.sim.waitForMessage(
      stack.channel,
      (message) => message.text.includes('memo about lunch'),
      10_000,
    );
    const id = /Job #(\d+)/.exec(receipt.text)?.[1] ?? '';
    await waitFor(() => stack.queues.manager.inspect(id).catch(() => undefined), 5_000, 'the job');
    await stack.sim.sendBlockAction({ actionId: ACTION_IDS.cancel, messageTs: receipt.ts, userId: OUTSIDER });
    await waitFor(
      () =>
        stack.sim.ephemerals().filter((entry) => entry.user === OUTSIDER && entry.text.includes('allow list')).length >=
        2,
      10_000,
      'the button refusal',
    );
    expect((await stack.queues.manager.inspect(id)).status).toBe('waiting');
    expect(
      stack.logRecords({ refused: 'not_allowed', kind: 'button', user: OUTSIDER, actionId: ACTION_IDS.cancel }).length,
    ).toBe(1);
  });

  it('lets only CODE_ALLOWED_USERS start code jobs', async () => {
    await stack.sim.sendSlashCommand({ text: 'add fix the failing test in src/app.ts and open a PR' });
    await waitFor(
      () =>
        stack.sim
          .ephemerals()
          .find((entry) => entry.user === 'U0SIMUSER1' && entry.text.includes('CODE_ALLOWED_USERS')),
      10_000,
      'the code refusal',
    );
    expect((await jobs()).some((job) => job.data.text.includes('src/app.ts'))).toBe(false);
    expect(stack.logRecords({ refused: 'queue_not_allowed', user: 'U0SIMUSER1', queue: 'code' }).length).toBe(1);
    await stack.sim.sendSlashCommand({ text: 'add fix the failing test in src/app.ts and open a PR', userId: CODER });
    const job = await waitFor(
      async () => (await jobs()).find((entry) => entry.data.text.includes('src/app.ts')),
      10_000,
      "the coder's job",
    );
    expect(job).toMatchObject({ queue: 'code', data: { requestedBy: CODER } });
  });
});

describe('Slack connection faults', () => {
  it('reconnects after disconnect(refresh_requested) and after a dropped socket, and the next command works', async () => {
    await stack.sim.waitForAcks();
    await stack.sim.sendDisconnect('refresh_requested');
    await stack.sim.waitForConnection(2, 20_000);
    await stack.sim.sendSlashCommand({ text: 'add draft the note after the refresh' });
    await stack.sim.waitForMessage(stack.channel, (message) => message.text.includes('note after the refresh'), 10_000);
    await stack.sim.waitForAcks();
    await stack.sim.dropConnection();
    await stack.sim.waitForConnection(3, 20_000);
    await stack.sim.sendSlashCommand({ text: 'add draft the note after the drop' });
    await stack.sim.waitForMessage(stack.channel, (message) => message.text.includes('note after the drop'), 10_000);
  }, 60_000);

  it('still posts when Slack answers 500 once, and when it answers 429 with Retry-After', async () => {
    stack.sim.failNext('chat.postMessage', { status: 500 });
    await stack.sim.sendSlashCommand({ text: 'add draft the note through a 500' });
    await stack.sim.waitForMessage(stack.channel, (message) => message.text.includes('through a 500'), 15_000);
    stack.sim.failNext('chat.postMessage', { status: 429, retryAfterSec: 1 });
    await stack.sim.sendSlashCommand({ text: 'add draft the note through a 429' });
    await stack.sim.waitForMessage(stack.channel, (message) => message.text.includes('through a 429'), 15_000);
    expect(
      stack.sim.calls('chat.postMessage').filter((call) => JSON.stringify(call.args).includes('through a 4')).length,
    ).toBeGreaterThanOrEqual(2);
  }, 40_000);
});
