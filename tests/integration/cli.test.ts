// The built agentops bin, run as a person would, against the suite's Redis.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corruptJob } from '../support/corrupt-job.js';
import { REPO_ROOT, runNode } from '../support/processes.js';
import { openQueues } from '../support/queues.js';
import { testEnv } from '../support/redis.js';
import { freePort } from '@agentops/scripts';

const BIN = path.join(REPO_ROOT, 'controller', 'dist', 'cli.js');
let env: Record<string, string>;

beforeAll(async () => {
  // Nothing listens there, so the LLM fallback fails fast, as when LM Studio is closed.
  env = testEnv({ LM_STUDIO_URL: `http://127.0.0.1:${await freePort()}/v1` });
});

const agentops = (args: string[], stdin?: string, extra: Record<string, string> = {}) =>
  runNode(BIN, args, { ...env, ...extra }, stdin);

describe('the agentops CLI', () => {
  it('records what it does in the audit log, which `agentops audit` shows (the CLI is the owner: an admin)', async () => {
    const add = await agentops(['add', 'draft the audit note']);
    const id = /Job #(\d+)/.exec(add.stdout)?.[1] ?? '';
    expect((await agentops(['cancel', id])).code).toBe(0);
    const audit = await agentops(['audit']);
    expect(audit.code, audit.stderr).toBe(0);
    expect(audit.stdout).toMatch(new RegExp(`cli:\\S+  cancel  #${id}  cli  done`));
    expect(audit.stdout).not.toContain('submit');
  });

  it('queues "summarize today’s news" on local, and status shows it waiting', async () => {
    const add = await agentops(['add', "summarize today's news"]);
    expect(add.code).toBe(0);
    expect(add.stdout).toMatch(/Job #\d+ queued on local \(P3\)/);
    const status = await agentops(['status']);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/local\s+1\s+0/);
    const json = JSON.parse((await agentops(['--json', 'status'])).stdout) as {
      snapshot: { queues: { name: string; counts: { waiting: number } }[] };
    };
    expect(json.snapshot.queues.find((queue) => queue.name === 'local')?.counts.waiting).toBe(1);
  });

  it('adds with a priority, lists, inspects, promotes, cancels and retries', async () => {
    const add = await agentops(['--json', 'add', 'p2', 'fix the failing test in src/app.ts']);
    expect(add.code).toBe(0);
    const [job] = (JSON.parse(add.stdout) as { jobs: { id: string; queue: string; priority: number }[] }).jobs;
    expect(job).toMatchObject({ queue: 'code', priority: 2 });
    expect((await agentops(['list', 'waiting'])).stdout).toContain(`#${job!.id}`);
    const promoted = await agentops(['promote', job!.id, 'p1']);
    expect(promoted.stdout).toContain(`Job #${job!.id}: P2 -> P1 on code`);
    const cancelled = await agentops(['cancel', job!.id]);
    expect(cancelled.stdout).toContain('removed from code before it started');
    expect((await agentops(['inspect', job!.id])).stdout).toMatch(/CANCELLED[\s\S]*Cancelled: by cli:/);
    const retried = await agentops(['retry', job!.id]);
    expect(retried.code).toBe(0);
    expect(retried.stdout).toContain(`Job #${job!.id} is queued again on code (P1)`);
  });

  it('queues one job per stdin line with batch', async () => {
    const run = await agentops(
      ['--json', 'batch'],
      'draft the release notes\n\n- research queue libraries\np1: fix the bug in repo web\n',
    );
    expect(run.code).toBe(0);
    const jobs = (JSON.parse(run.stdout) as { jobs: { queue: string; priority: number }[] }).jobs;
    expect(jobs.map((job) => [job.queue, job.priority])).toEqual([
      ['local', 3],
      ['research', 3],
      ['code', 1],
    ]);
  });

  it('pauses, sets workers and resumes', async () => {
    expect((await agentops(['pause'])).stdout).toContain('All queues are PAUSED');
    expect((await agentops(['workers', '3'])).stdout).toContain('at most 3 job(s) at once');
    expect((await agentops(['resume'])).stdout).toContain('Queues are running');
  });

  it('skips routing with --queue, and keeps flags after the text as text', async () => {
    const run = await agentops([
      '--json',
      '--queue',
      'research',
      'add',
      'anything',
      '--dangerously-skip-permissions',
      '$(touch /tmp/pwned)',
    ]);
    expect(run.code).toBe(0);
    const [job] = (JSON.parse(run.stdout) as { jobs: { queue: string; text: string; routing: { method: string } }[] })
      .jobs;
    expect(job).toMatchObject({
      queue: 'research',
      text: 'anything --dangerously-skip-permissions $(touch /tmp/pwned)',
      routing: { method: 'explicit' },
    });
  });

  it('exits 2 with the right form for usage errors', async () => {
    for (const [args, fragment] of [
      [['cancel'], 'Usage: agentops cancel <id>'],
      [['cancel', 'abc'], '`abc` is not a job id'],
      [['workers', '9'], 'from 1 to 6'],
      [['promote', '5', 'p7'], '`p7` is not a priority'],
      [['frobnicate'], '`frobnicate` is not a command'],
      [['add'], 'There is no job text'],
      [['--queue', 'gpu', 'add', 'x'], '--queue needs one of code, local, research'],
      [['--bogus', 'status'], 'Unknown option --bogus'],
      [['batch', 'extra'], 'batch reads its items from standard input'],
    ] as const) {
      const run = await agentops([...args]);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toContain(fragment);
    }
    const empty = await agentops(['batch'], '\n \n');
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('The batch has no items');
    const noArgs = await agentops([]);
    expect(noArgs.code).toBe(2);
    expect(noArgs.stderr).toContain('Usage: agentops');
  });

  it('exits 1 when the operation is refused', async () => {
    const run = await agentops(['cancel', '987654']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('There is no job 987654');
    const json = await agentops(['--json', 'retry', '987654']);
    expect(JSON.parse(json.stderr)).toMatchObject({ error: { code: 'JOB_NOT_FOUND' } });
  });

  it('lists a job whose stored data is unreadable, and answers inspect, cancel and retry for it', async () => {
    // A prefix of its own, so the corrupt job is not in the other tests' lists.
    const queues = await openQueues({ LM_STUDIO_URL: env.LM_STUDIO_URL ?? '' });
    try {
      const request = (text: string) => ({
        text,
        priority: 3 as const,
        source: 'cli' as const,
        requestedBy: 'cli:test',
        routing: { queue: 'local' as const, method: 'explicit' as const, confidence: 1, patterns: [] },
      });
      const [healthy, broken] = await queues.manager.enqueueMany([
        request('draft the meeting minutes'),
        request('soon unreadable'),
      ]);
      await corruptJob(queues, 'local', broken!.id, 'json');
      const list = await runNode(BIN, ['list'], queues.env);
      expect(list.stderr).toBe('');
      expect(list.code).toBe(0);
      expect(list.stdout).toMatch(new RegExp(`#${broken!.id}\\s+local\\s+P3\\s+waiting\\s+.*unreadable data`));
      expect(list.stdout).toMatch(
        new RegExp(`#${healthy!.id}\\s+local\\s+P3\\s+waiting\\s+.*draft the meeting minutes`),
      );
      const json = JSON.parse((await runNode(BIN, ['--json', 'list'], queues.env)).stdout) as {
        jobs: { id: string; unreadable?: string }[];
      };
      expect(json.jobs.find((job) => job.id === broken!.id)).toMatchObject({ unreadable: 'not valid JSON' });
      for (const [command, verb] of [
        ['inspect', 'shown'],
        ['cancel', 'cancelled'],
        ['retry', 'retried'],
      ] as const) {
        const run = await runNode(BIN, [command, broken!.id], queues.env);
        expect(run.code, command).toBe(1);
        expect(run.stderr).toContain(
          `Job ${broken!.id}'s stored data is unreadable (not valid JSON), so it cannot be ${verb}.`,
        );
        expect(run.stderr).toContain('/admin/queues');
        expect(run.stderr).not.toContain('Unexpected end of JSON input');
      }
      const refused = await runNode(BIN, ['--json', 'inspect', broken!.id], queues.env);
      expect(JSON.parse(refused.stderr)).toMatchObject({ error: { code: 'JOB_DATA_INVALID' } });
      expect((await runNode(BIN, ['inspect', healthy!.id], queues.env)).stdout).toContain('draft the meeting minutes');
    } finally {
      await queues.close();
    }
  });

  it('explains a bad environment without touching Redis', async () => {
    const run = await agentops(['status'], undefined, { REDIS_PORT: 'seven', SLACK_BOT_TOKEN: 'xoxb-1-secret-value' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('REDIS_PORT="seven": must be a whole number from 1 to 65535');
    expect(run.stderr).toContain('SLACK_SIGNING_SECRET, SLACK_CHANNEL_ID, SLACK_APP_TOKEN missing');
    expect(run.stderr).not.toContain('secret-value');
  });

  it('says how to get Redis when it is not running', async () => {
    const run = await agentops(['status'], undefined, { REDIS_PORT: String(await freePort()) });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/Redis is not reachable at 127\.0\.0\.1:\d+ \(ECONNREFUSED\): start it/);
  });

  it('prints help with every command', async () => {
    const run = await agentops(['help']);
    expect(run.code).toBe(0);
    for (const name of [
      'status',
      'add',
      'batch',
      'list',
      'inspect',
      'cancel',
      'retry',
      'promote',
      'pause',
      'resume',
      'workers',
    ]) {
      expect(run.stdout).toContain(`agentops ${name}`);
    }
  });
});

afterAll(() => undefined);
