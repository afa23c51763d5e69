// Workspaces and a git worktree per code job, end to end: the built code
// worker (CODE_WORKTREES=true, two jobs at once) runs the real `claude` CLI
// against the Anthropic stand-in in a real git repository named by
// CODE_WORKSPACES; a real controller talks to the Slack simulator. Two jobs
// writing the same file each get their own branch and worktree, and the
// person's checkout is untouched; the answers name the branch and show the
// diffstat; `/queue repo` sets the channel's workspace, which the next code
// job uses; `/queue clean` removes the worktrees, keeps the branches that hold
// work and deletes the empty one.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { JobData } from '@agentops/core';
import type { JobDetails } from '@agentops/controller';
import { reply, startAnthropicStandin, type AnthropicStandin } from '../support/llm/anthropic-standin.js';
import type { RecordedRequest } from '../support/llm/http-standin.js';
import { makeClaudeHome, offlineClaudeEnv } from '../support/llm/claude-cli.js';
import { repliesByJob } from '../support/llm/replies-by-job.js';
import { logRecordsMatching } from '../support/logs.js';
import { REPO_ROOT, startNode, waitFor, type RunningProcess } from '../support/processes.js';
import { openQueues, type QueueHarness } from '../support/queues.js';
import { releaseAfter, releaseFileResources } from '../support/release-after.js';
import { startSlackSimulator, type SimMessage, type SlackSimulator } from '../support/slack-sim/index.js';
import { answerPost, enqueueUnderReceipt, startThreadController } from '../support/worker-jobs.js';

const WORKER = path.join(REPO_ROOT, 'workers', 'code-worker', 'dist', 'worker.js');
const CLAUDE = path.join(REPO_ROOT, 'node_modules', '.bin', 'claude');
const USER = 'U0SIMUSER1';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });

let sim: SlackSimulator;
let standin: AnthropicStandin;
const scripts = repliesByJob();

function tempDir(label: string): string {
  // Real paths: git answers with them, and /tmp may be a link.
  const dir = realpathSync(mkdtempSync(path.join(tmpdir(), `agentops-${label}-`)));
  releaseAfter(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const git = (dir: string, ...args: string[]) =>
  execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } }).trim();

/** A repository with one commit, and an identity for the commits jobs make. */
function makeRepository(): string {
  const repo = tempDir('workspace-api');
  git(repo, 'init', '--quiet', '--initial-branch=main');
  git(repo, 'config', 'user.name', 'Test Person');
  git(repo, 'config', 'user.email', 'person@example.com');
  writeFileSync(path.join(repo, 'README.md'), '# api\n');
  git(repo, 'add', 'README.md');
  git(repo, 'commit', '--quiet', '-m', 'start');
  return repo;
}

/** The worktree Claude was started in, as the CLI tells the model (its environment section names the folder). */
function workingDirectory(request: RecordedRequest): string {
  const match = /\/[^"\\\s]*\/worktrees\/api\/job-\d+/.exec(JSON.stringify(request.body));
  if (!match) throw new Error('the request names no worktree');
  return match[0];
}

interface Setup {
  harness: QueueHarness;
  worker: RunningProcess;
  controller: RunningProcess;
  repo: string;
  dataDir: string;
}

let setup: Setup;

beforeAll(async () => {
  sim = await startSlackSimulator({ echoBotMessages: false });
  standin = await startAnthropicStandin({ fallback: scripts.fallback });
  const harness = await openQueues();
  releaseAfter(() => harness.close());
  const home = makeClaudeHome();
  releaseAfter(() => home.remove());
  const repo = makeRepository();
  const dataDir = tempDir('data');
  const workspaces = { CODE_WORKSPACES: `api=${repo}` };
  const worker = startNode(WORKER, {
    ...harness.env,
    ...offlineClaudeEnv({ baseURL: standin.baseURL, home: home.home }),
    CLAUDE_BIN: CLAUDE,
    CLAUDE_ALLOWED_TOOLS: 'Bash',
    CODE_WORKDIR: tempDir('code-workdir'),
    CODE_CONCURRENCY: '2',
    CODE_WORKTREES: 'true',
    AGENTOPS_DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
    ...workspaces,
  });
  releaseAfter(() => worker.stop('SIGTERM'));
  const [controller] = await Promise.all([
    startThreadController(harness, sim, workspaces),
    waitFor(
      () => {
        if (worker.child.exitCode !== null) throw new Error(`the worker exited:\n${worker.output()}`);
        return logRecordsMatching(worker.output(), { started: 'code', concurrency: 2 }).length > 0;
      },
      20_000,
      'the code worker to start',
    ),
  ]);
  setup = { harness, worker, controller, repo, dataDir };
});

afterAll(async () => {
  await releaseFileResources();
  await standin?.close();
  await sim?.close();
});

async function finished(id: string, timeoutMs = 60_000): Promise<JobDetails> {
  return waitFor(
    async () => {
      const details = await setup.harness.manager.inspect(id);
      return ['completed', 'failed'].includes(details.status) && details.finishedAt !== undefined ? details : undefined;
    },
    timeoutMs,
    `job ${id} to finish`,
  );
}

const stats = (details: JobDetails) =>
  (details.result as { stats?: { branch?: string; diffstat?: string; workdir?: string } } | undefined)?.stats ?? {};
const shown = (message: SimMessage) => JSON.stringify(message.blocks ?? []);
const worktreeOf = (id: string) => path.join(setup.dataDir, 'worktrees', 'api', `job-${id}`);
const branches = () =>
  git(setup.repo, 'branch', '--list', '--format=%(refname:short)')
    .split('\n')
    .filter((name) => name.startsWith('agentops/'));

/** Jobs of this file: the first two, the channel-default one. */
const jobs: { first?: JobData; second?: JobData; fromChannel?: JobData } = {};

describe('a worktree per code job', () => {
  it('gives two concurrent jobs on one workspace their own branch and files, and leaves the checkout alone', async () => {
    const committed = 'write hello.txt saying hello from the first job, and commit it';
    const uncommitted = 'write hello.txt saying hello from the second job';
    scripts.set(committed, (call, request) => {
      const cwd = workingDirectory(request);
      if (call === 1)
        return reply.toolUse({ name: 'Write', input: { file_path: path.join(cwd, 'hello.txt'), content: 'first\n' } });
      if (call === 2)
        return reply.toolUse({ name: 'Bash', input: { command: 'git add hello.txt && git commit -q -m "Say hello"' } });
      return reply.delay(2_000, reply.text('Wrote and committed hello.txt.'));
    });
    scripts.set(uncommitted, (call, request) =>
      call === 1
        ? reply.toolUse({
            name: 'Write',
            input: { file_path: path.join(workingDirectory(request), 'hello.txt'), content: 'second\n' },
          })
        : reply.delay(2_000, reply.text('Wrote hello.txt.')),
    );
    const [first, second] = await Promise.all([
      enqueueUnderReceipt(setup.harness, sim, 'code', committed, { user: USER, workspace: 'api' }),
      enqueueUnderReceipt(setup.harness, sim, 'code', uncommitted, { user: USER, workspace: 'api' }),
    ]);
    jobs.first = first.job;
    jobs.second = second.job;
    const [one, two] = await Promise.all([finished(first.job.id), finished(second.job.id)]);
    expect([one.status, two.status], `${one.failedReason} ${two.failedReason}`).toEqual(['completed', 'completed']);
    // They ran at the same time.
    expect(Math.max(one.startedAt ?? 0, two.startedAt ?? 0)).toBeLessThan(
      Math.min(one.finishedAt ?? 0, two.finishedAt ?? 0),
    );

    const firstTree = worktreeOf(first.job.id);
    const secondTree = worktreeOf(second.job.id);
    expect(stats(one)).toMatchObject({ branch: `agentops/job-${first.job.id}`, workdir: firstTree });
    expect(stats(two)).toMatchObject({ branch: `agentops/job-${second.job.id}`, workdir: secondTree });
    expect(stats(one).diffstat).toMatch(/hello\.txt \| 1 \+\n 1 file changed, 1 insertion\(\+\)/);
    expect(stats(two).diffstat).toMatch(/hello\.txt \| 1 \+/);

    // Each worktree holds its own file: committed on the first branch, left uncommitted in the second.
    expect(readFileSync(path.join(firstTree, 'hello.txt'), 'utf8')).toBe('first\n');
    expect(readFileSync(path.join(secondTree, 'hello.txt'), 'utf8')).toBe('second\n');
    expect(git(setup.repo, 'show', `agentops/job-${first.job.id}:hello.txt`)).toBe('first');
    expect(git(secondTree, 'status', '--porcelain')).toBe('?? hello.txt');
    expect(branches()).toEqual(
      expect.arrayContaining([`agentops/job-${first.job.id}`, `agentops/job-${second.job.id}`]),
    );

    // The person's checkout: still on main, at its one commit, with nothing new.
    expect(git(setup.repo, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('main');
    expect(git(setup.repo, 'rev-list', '--count', 'HEAD')).toBe('1');
    expect(git(setup.repo, 'status', '--porcelain')).toBe('');
    expect(existsSync(path.join(setup.repo, 'hello.txt'))).toBe(false);

    // The answers name the branch and show the diffstat.
    for (const job of [first, second]) {
      const answer = shown(await answerPost(sim, job.receiptTs, job.job.id));
      expect(answer).toContain(`agentops/job-${job.job.id}`);
      expect(answer).toContain('hello.txt | 1 +');
    }
  });
});

describe('/queue repo', () => {
  it("sets the channel's workspace, shows it in /queue status, and the next code job runs there", async () => {
    const shownRepo = await sim.sendSlashCommand({ text: 'repo', userId: USER });
    expect(shownRepo.acked).toBe(true);
    await sim.waitFor(
      () => sim.ephemerals().find((entry) => entry.text.includes('Configured workspaces: api')),
      10_000,
      'the answer to /queue repo',
    );
    await sim.sendSlashCommand({ text: 'repo API', userId: USER });
    await sim.waitForMessage(
      sim.config.defaultChannelId,
      (message) => message.text.includes('Code jobs in this channel now run in workspace api'),
      10_000,
    );
    await sim.sendSlashCommand({ text: 'status', userId: USER });
    const board = await sim.waitForMessage(
      sim.config.defaultChannelId,
      (message) => message.text.startsWith('Queue status'),
      10_000,
    );
    expect(shown(board)).toContain('Channel workspace: *api*');

    const text = 'fix the failing unit test in src/app.ts';
    scripts.set(text, () => reply.text('Nothing to fix: the test passes.'));
    await sim.sendSlashCommand({ text: `add ${text}`, userId: USER });
    const receipt = await sim.waitForMessage(
      sim.config.defaultChannelId,
      (message) => message.text.includes('queued on code') && message.text.includes('fix the failing unit test'),
      10_000,
    );
    expect(shown(receipt)).toContain('Workspace *api*');
    const id = /Job #(\d+)/.exec(receipt.text)?.[1] ?? '';
    const details = await finished(id);
    jobs.fromChannel = details.data;
    expect(details.data.workspace).toBe('api');
    expect(stats(details)).toMatchObject({ branch: `agentops/job-${id}`, diffstat: '', workdir: worktreeOf(id) });
    const answer = shown(await answerPost(sim, receipt.ts, id));
    expect(answer).toContain(`agentops/job-${id}`);
    expect(answer).toContain('no changes');
  });

  it('refuses an unknown workspace, naming the configured ones', async () => {
    await sim.sendSlashCommand({ text: 'add fix the build repo=mobile', userId: USER });
    const refusal = await sim.waitFor(
      () => sim.ephemerals().find((entry) => entry.text.includes('There is no workspace')),
      10_000,
      'the refusal',
    );
    expect(refusal.text).toContain('Configured workspaces: api');
  });
});

describe('/queue clean', () => {
  it('removes the worktrees, keeps the branches with work and lists them, deletes the empty one', async () => {
    const { first, second, fromChannel } = jobs;
    if (!first || !second || !fromChannel) throw new Error('the tests above must run first');
    await sim.sendSlashCommand({ text: 'clean', userId: USER });
    const answer = await sim.waitFor(
      () => sim.ephemerals().find((entry) => entry.text.includes('Worktrees cleaned')),
      15_000,
      'the answer to /queue clean',
    );
    expect(answer.text).toContain('3 worktrees removed, 1 empty branch deleted');
    expect(answer.text).toContain(`agentops/job-${first.id}: 1 commit`);
    // The second job's uncommitted file was committed on its branch before its folder went.
    expect(answer.text).toContain(`agentops/job-${second.id}: 1 commit`);
    for (const job of [first, second, fromChannel]) expect(existsSync(worktreeOf(job.id))).toBe(false);
    expect(branches().sort()).toEqual([`agentops/job-${first.id}`, `agentops/job-${second.id}`].sort());
    expect(git(setup.repo, 'show', `agentops/job-${second.id}:hello.txt`)).toBe('second');
    expect(git(setup.repo, 'worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(1);
    expect(git(setup.repo, 'status', '--porcelain')).toBe('');
  });

  it('says so when no code worker is running', async () => {
    await setup.worker.stop('SIGTERM');
    await sim.sendSlashCommand({ text: 'clean', userId: USER });
    await sim.waitFor(
      () => sim.ephemerals().find((entry) => entry.text.includes('No code worker answered')),
      15_000,
      'the answer to /queue clean without a worker',
    );
  });
});
