// Schedules from Slack and the CLI, through the real controller and the Slack
// simulator: an `every 2s` schedule's runs are ordinary jobs (source schedule,
// the trigger naming it) with a card that says which schedule made them;
// list, pause, resume, run and remove; bad expressions refused with the
// reason; schedules survive a controller restart; a tick delivered twice
// makes one job; and who may change whose schedule.
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, redisKeys, type JobData } from '@agentops/core';
import { createTickHandler, submitRunWithoutSlack, createScheduleStore } from '@agentops/controller';
import { startSlackStack, type SlackStack } from '../support/slack-stack.js';
import { REPO_ROOT, runNode, waitFor } from '../support/processes.js';

const OTHER = 'U0OTHER01';
const ADMIN = 'U0ADMIN01';
const BIN = path.join(REPO_ROOT, 'controller', 'dist', 'cli.js');

let stack: SlackStack;
beforeAll(async () => {
  stack = await startSlackStack({
    env: { SCHEDULE_MIN_INTERVAL_MS: '1000', ADMIN_USERS: ADMIN, SCHEDULE_TZ: 'Europe/Berlin' },
  });
}, 60_000);
afterAll(async () => {
  await stack?.close();
});

const slash = (text: string, userId?: string) => stack.sim.sendSlashCommand({ text, ...(userId ? { userId } : {}) });
const ackText = (ack: unknown) => JSON.stringify(ack ?? {});
const channelLine = (fragment: string) =>
  stack.sim.waitForMessage(stack.channel, (message) => message.text.includes(fragment), 10_000);
const ephemeral = (fragment: string, user = stack.user) =>
  waitFor(
    () => stack.sim.ephemerals().find((entry) => entry.user === user && entry.text.includes(fragment)),
    10_000,
    `a private answer with "${fragment}"`,
  );

/** Jobs (any state) the schedule made, by their data. */
async function runsOf(schedule: string): Promise<JobData[]> {
  const jobs = await stack.queues.manager.list(undefined, 200);
  return jobs.map((job) => job.data).filter((data) => data.trigger?.name === schedule);
}

async function addSchedule(when: string, text: string, userId?: string): Promise<string> {
  await slash(`schedule add ${when} ${text}`, userId);
  const line = await channelLine(`"${text}"`);
  const id = /Schedule (s\d+):/.exec(line.text)?.[1];
  if (!id) throw new Error(`no schedule id in ${line.text}`);
  return id;
}

describe('schedules', () => {
  it('an every 2s schedule makes ordinary jobs, each with a card naming the schedule', async () => {
    const id = await addSchedule('every 2s', 'draft the two-second status line');
    const answer = await channelLine(`Schedule ${id}: every 2s`);
    expect(answer.text).toContain('Next runs:');
    await waitFor(async () => (await runsOf(id)).length >= 2, 15_000, 'two runs');
    const [first] = await runsOf(id);
    expect(first).toMatchObject({
      source: 'schedule',
      requestedBy: stack.user,
      trigger: { kind: 'schedule', name: id },
      text: 'draft the two-second status line',
    });
    await stack.receiptTs(first?.id ?? '');
    const card = stack.receiptOf(first?.id ?? '');
    expect(JSON.stringify(card?.blocks)).toContain(`Scheduled by *${id}*`);
    await slash(`schedule remove ${id}`);
    await channelLine(`Removed schedule ${id}`);
  });

  it('lists, pauses, resumes, runs now and removes', async () => {
    const id = await addSchedule('"0 9 * * 1-5"', 'summarize the weekday standup notes');
    const added = await channelLine(`Schedule ${id}: cron "0 9 * * 1-5" (Europe/Berlin)`);
    expect(added.text.match(/\(Europe\/Berlin\)/g)?.length).toBeGreaterThanOrEqual(4);
    await slash('schedule list');
    const list = await ephemeral(`${id}: cron`);
    expect(list.text).toContain('next ');
    await slash(`schedule pause ${id}`);
    await channelLine(`Paused schedule ${id}`);
    await slash('schedule list');
    await waitFor(
      () => stack.sim.ephemerals().find((entry) => entry.text.includes(`${id}: cron`) && entry.text.includes('paused')),
      10_000,
      'the paused schedule in the list',
    );
    const schedulers = await stack.queues.redis.zcard(`${stack.queues.prefix}:agentops-schedules:repeat`);
    expect(schedulers).toBe(0);
    // Run now works while paused: one job at once.
    await slash(`schedule run ${id}`);
    await channelLine(`Schedule ${id} runs now`);
    await waitFor(async () => (await runsOf(id)).length === 1, 10_000, 'the run-now job');
    await slash(`schedule resume ${id}`);
    await channelLine(`Resumed schedule ${id}; next run`);
    await slash(`schedule remove ${id}`);
    await channelLine(`Removed schedule ${id}`);
    expect(await stack.queues.redis.hget(redisKeys(stack.queues.prefix).schedules, id)).toBeNull();
    await slash(`schedule pause ${id}`);
    await ephemeral(`There is no schedule ${id}`);
  });

  it('refuses a bad cron or every with what is wrong and the right form', async () => {
    const cron = await slash('schedule add "0 25 * * *" report');
    expect(ackText(cron.ack)).toContain('25 is out of range: that field takes 0 to 23');
    expect(ackText(cron.ack)).toContain('/queue schedule add');
    const every = await slash('schedule add every 3w report');
    expect(ackText(every.ack)).toContain('every &lt;number&gt;&lt;s|m|h|d&gt;');
    // Below SCHEDULE_MIN_INTERVAL_MS: refused with the shortest interval allowed.
    const often = await runNode(BIN, ['schedule', 'add', 'every', '1s', 'ping'], {
      ...stack.env,
      SCHEDULE_MIN_INTERVAL_MS: '5000',
    });
    expect(often.code).toBe(1);
    expect(often.stderr).toContain('the shortest interval allowed is 5s (SCHEDULE_MIN_INTERVAL_MS)');
  });

  it('keeps schedules across a controller restart', async () => {
    const id = await addSchedule('every 2s', 'note the restart heartbeat');
    await waitFor(async () => (await runsOf(id)).length >= 1, 15_000, 'a first run');
    await stack.restartController();
    const before = (await runsOf(id)).length;
    await waitFor(async () => (await runsOf(id)).length > before, 15_000, 'a run after the restart');
    await slash('schedule list');
    await ephemeral(`${id}: every 2s`);
    await slash(`schedule remove ${id}`);
    await channelLine(`Removed schedule ${id}`);
  }, 60_000);

  it('makes one job of a tick delivered twice', async () => {
    const { queues } = stack;
    const store = createScheduleStore(queues.redis, queues.prefix);
    await store.save({
      id: 's900',
      expression: { kind: 'every', ms: 60_000 },
      timeZone: 'UTC',
      request: { text: 'count the tick once', priority: 3 },
      createdBy: 'cli:tester',
      createdAt: Date.now(),
      paused: false,
    });
    const logger = createLogger({ name: 'test', level: 'silent', format: 'json' });
    const submit = submitRunWithoutSlack({ ...queues, logger });
    const handle = createTickHandler(store, submit, logger);
    const tick = { id: 'repeat:s900:1700000000000', scheduleId: 's900', dueAt: 1_700_000_000_000 };
    await Promise.all([handle(tick), handle(tick)]);
    await handle(tick);
    const jobs = await runsOf('s900');
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ source: 'schedule', requestedBy: 'cli:tester' });
    await store.delete('s900');
  });

  it('lets only the maker or an admin change a schedule, and runs act with the maker’s rights', async () => {
    const id = await addSchedule('every 1h', 'draft the weekly team digest');
    await slash(`schedule remove ${id}`, OTHER);
    const refused = await ephemeral(`Schedule ${id} is not yours`, OTHER);
    expect(refused.text).toContain('ADMIN_USERS');
    expect(await stack.queues.redis.hget(redisKeys(stack.queues.prefix).schedules, id)).not.toBeNull();
    await slash(`schedule run ${id}`, OTHER);
    await waitFor(
      () =>
        stack.sim.ephemerals().filter((entry) => entry.user === OTHER && entry.text.includes('not yours')).length >= 2,
      10_000,
      'the second refusal',
    );
    await slash(`schedule remove ${id}`, ADMIN);
    await channelLine(`Removed schedule ${id}`);
    expect(stack.logRecords({ refused: 'not_owner', action: 'schedule', user: OTHER }).length).toBeGreaterThanOrEqual(
      1,
    );
  });

  it('manages schedules from the CLI too', async () => {
    const agentops = (args: string[]) => runNode(BIN, args, stack.env);
    const add = await agentops(['schedule', 'add', '0 7 * * *', 'draft the morning summary']);
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout).toMatch(/Schedule s\d+: cron "0 7 \* \* \*" \(Europe\/Berlin\)/);
    expect(add.stdout).toMatch(/Next runs: .* 07:00 \(Europe\/Berlin\); .* 07:00 \(Europe\/Berlin\); .* 07:00/);
    const id = /Schedule (s\d+)/.exec(add.stdout)?.[1] ?? '';
    expect((await agentops(['schedule', 'list'])).stdout).toContain(`by cli:`);
    expect((await agentops(['schedule', 'pause', id])).stdout).toContain(`Paused schedule ${id}`);
    expect((await agentops(['schedule', 'resume', id])).stdout).toContain(`Resumed schedule ${id}`);
    expect((await agentops(['schedule', 'remove', id])).stdout).toContain(`Removed schedule ${id}`);
    const bad = await agentops(['schedule', 'add', '0 9 * *', 'x']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('it has 4 field(s)');
    await sleep(10);
  });
});
