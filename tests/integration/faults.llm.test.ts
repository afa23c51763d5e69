// LM Studio without a model and a Claude CLI that crashes: the job fails with a
// message naming the cause and the fix, and the next job is not affected.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startOpenAIStandin } from '../support/llm/openai-standin.js';
import { REPO_ROOT, startNode, waitFor, type RunningProcess } from '../support/processes.js';
import { openQueues, type QueueHarness } from '../support/queues.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function worker(name: string, env: Record<string, string>, queue: string): Promise<RunningProcess> {
  const process = startNode(path.join(REPO_ROOT, 'workers', name, 'dist', 'worker.js'), { LOG_LEVEL: 'info', ...env });
  cleanups.push(() => process.stop('SIGKILL'));
  return waitFor(
    () => new RegExp(`Started on queue \\\\?"${queue}`).test(process.output()) && process,
    20_000,
    `${name} to start\n${process.output()}`,
  );
}

async function harness(): Promise<QueueHarness> {
  const queues = await openQueues();
  cleanups.push(() => queues.close());
  return queues;
}

const request = (text: string, queue: 'local' | 'code') => ({
  text,
  priority: 3 as const,
  source: 'cli' as const,
  requestedBy: 'cli:test',
  routing: { queue, method: 'explicit' as const, confidence: 1, patterns: [] },
});

async function finished(queues: QueueHarness, id: string) {
  return waitFor(
    async () => {
      const job = await queues.manager.inspect(id);
      return (job.status === 'failed' || job.status === 'completed') && job.finishedAt ? job : undefined;
    },
    20_000,
    `job ${id} to finish`,
  );
}

describe('LM Studio without a model', () => {
  it('fails the job at once saying to load a model, and answers again once one is loaded', async () => {
    const queues = await harness();
    const llm = await startOpenAIStandin({ models: [] });
    cleanups.push(() => llm.close());
    await worker('local-worker', { ...queues.env, LM_STUDIO_URL: llm.baseURL }, 'local');
    const first = await queues.manager.enqueue(request('summarize the design notes', 'local'));
    const failed = await finished(queues, first.id);
    expect(failed.status).toBe('failed');
    expect(failed.attemptsMade).toBe(1);
    expect(failed.failedReason).toContain(
      `LM Studio at ${llm.baseURL} has no model loaded: load a chat model in LM Studio, or set LM_STUDIO_MODEL`,
    );
    llm.setModels(['standin-chat-model']);
    const second = await queues.manager.enqueue(request('summarize the design notes again', 'local'));
    expect((await finished(queues, second.id)).status).toBe('completed');
  }, 60_000);

  it('names a configured model that LM Studio does not have', async () => {
    const queues = await harness();
    const llm = await startOpenAIStandin({ strictModels: true });
    cleanups.push(() => llm.close());
    await worker(
      'local-worker',
      { ...queues.env, LM_STUDIO_URL: llm.baseURL, LM_STUDIO_MODEL: 'no-such-model-7b' },
      'local',
    );
    const job = await queues.manager.enqueue(request('draft a reply', 'local'));
    const failed = await finished(queues, job.id);
    expect(failed.failedReason).toMatch(/answered 404 .*load the model in LM Studio or fix LM_STUDIO_MODEL/);
  }, 60_000);
});

describe('a Claude CLI that exits non-zero without a result', () => {
  it('fails that job with the exit code and the end of stderr, and runs the next one', async () => {
    const queues = await harness();
    const crash = path.join(REPO_ROOT, 'tests', 'fixtures', 'claude-crash.mjs');
    chmodSync(crash, 0o755);
    const workdir = mkdtempSync(path.join(tmpdir(), 'agentops-crash-'));
    cleanups.push(() => rmSync(workdir, { recursive: true, force: true }));
    const process = await worker('code-worker', { ...queues.env, CLAUDE_BIN: crash, CODE_WORKDIR: workdir }, 'code');
    const [bad, good] = await queues.manager.enqueueMany([
      request('please crash now', 'code'),
      request('rename the helper', 'code'),
    ]);
    const failed = await finished(queues, bad!.id);
    expect(failed.status).toBe('failed');
    expect(failed.attemptsMade).toBe(1);
    expect(failed.failedReason).toMatch(/exit(ed)? (code )?3|code 3/);
    expect(failed.failedReason).toContain('Segmentation fault in the model runtime (simulated)');
    const done = await finished(queues, good!.id);
    expect(done.status).toBe('completed');
    expect(done.result).toMatchObject({ text: 'Handled: rename the helper' });
    expect(process.child.exitCode).toBeNull();
  }, 60_000);
});
