// Jobs flow through real BullMQ queues on a real Redis into real worker processes.
import { afterEach, describe, expect, it } from 'vitest';
import { execute, parseMessage } from '@agentops/controller';
import { openQueues, type QueueHarness } from '../support/queues.js';
import { waitFor } from '../support/processes.js';

const cli = { id: 'cli:test', source: 'cli' as const };
let harness: QueueHarness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

function maxOverlap(started: { id: string; at: number }[], finished: { id: string; at: number }[]): number {
  const events = [
    ...started.map((entry) => ({ at: entry.at, delta: 1 })),
    ...finished.map((entry) => ({ at: entry.at, delta: -1 })),
  ].sort((a, b) => a.at - b.at || a.delta - b.delta);
  let running = 0;
  let most = 0;
  for (const event of events) {
    running += event.delta;
    most = Math.max(most, running);
  }
  return most;
}

describe('queue processing', () => {
  it('turns a queue: batch into separate jobs with their own ids', async () => {
    harness = await openQueues();
    const parsed = parseMessage(
      'queue:\nsummarize the meeting notes\ndraft a reply to Sam\nrewrite the intro paragraph',
    );
    if (!parsed.ok) throw new Error(parsed.error.message);
    const outcome = await execute(parsed.command, harness, cli);
    expect(outcome.kind).toBe('queued');
    if (outcome.kind !== 'queued') return;
    expect(outcome.jobs.map((job) => job.text)).toEqual([
      'summarize the meeting notes',
      'draft a reply to Sam',
      'rewrite the intro paragraph',
    ]);
    expect(new Set(outcome.jobs.map((job) => job.id)).size).toBe(3);
    const status = await harness.manager.status();
    expect(status.queues.find((queue) => queue.name === 'local')?.counts.waiting).toBe(3);
  });

  it('runs P1 before P2 before P3, whatever order they were queued in', async () => {
    harness = await openQueues();
    const { manager } = harness;
    const request = (text: string, priority: 1 | 2 | 3) => ({
      text,
      priority,
      source: 'cli' as const,
      requestedBy: 'cli:test',
      routing: { queue: 'local' as const, method: 'explicit' as const, confidence: 1, patterns: [] },
    });
    const jobs = await manager.enqueueMany([
      request('third', 3),
      request('second', 2),
      request('third again', 3),
      request('first', 1),
    ]);
    await harness.startWorker({ LOCAL_CONCURRENCY: '1', FIXTURE_DELAY_MS: '20' });
    await waitFor(async () => (await harness!.recorded('finished')).length === 4, 15_000, 'four jobs to finish');
    const order = (await harness.recorded('started')).map((entry) => entry.id);
    const idOf = (text: string) => jobs.find((job) => job.text === text)?.id;
    expect(order).toEqual([idOf('first'), idOf('second'), idOf('third'), idOf('third again')]);
  });

  it('runs jobs in parallel up to the concurrency, and no further', async () => {
    harness = await openQueues();
    const items = Array.from({ length: 6 }, (_, index) => ({ text: `job ${index}`, priority: 3 as const }));
    await execute({ kind: 'add', items, batch: true }, harness, cli, { queue: 'local' });
    await harness.startWorker({ LOCAL_CONCURRENCY: '2', FIXTURE_DELAY_MS: '600' });
    await waitFor(async () => (await harness!.recorded('finished')).length === 6, 20_000, 'six jobs to finish');
    expect(maxOverlap(await harness.recorded('started'), await harness.recorded('finished'))).toBe(2);
  });

  it('respects the global concurrency set with `workers n` across worker processes', async () => {
    harness = await openQueues();
    await execute({ kind: 'workers', count: 1 }, harness, cli);
    const items = Array.from({ length: 4 }, (_, index) => ({ text: `job ${index}`, priority: 3 as const }));
    await execute({ kind: 'add', items, batch: true }, harness, cli, { queue: 'local' });
    await harness.startWorker({ LOCAL_CONCURRENCY: '2', FIXTURE_DELAY_MS: '400' });
    await harness.startWorker({ LOCAL_CONCURRENCY: '2', FIXTURE_DELAY_MS: '400' });
    await waitFor(async () => (await harness!.recorded('finished')).length === 4, 20_000, 'four jobs to finish');
    expect(maxOverlap(await harness.recorded('started'), await harness.recorded('finished'))).toBe(1);
    expect((await harness.manager.status()).globalConcurrency).toBe(1);
  });

  it('re-runs the job of a worker killed with SIGKILL, and completes it exactly once', async () => {
    harness = await openQueues();
    const [job] = await harness.manager.enqueueMany([
      {
        text: 'long job',
        priority: 3,
        source: 'cli',
        requestedBy: 'cli:test',
        routing: { queue: 'local', method: 'explicit', confidence: 1, patterns: [] },
      },
    ]);
    const doomed = await harness.startWorker({ FIXTURE_DELAY_MS: '60000' });
    await waitFor(async () => (await harness!.recorded('started')).length === 1, 10_000, 'the job to start');
    await doomed.stop('SIGKILL');
    await harness.startWorker({ FIXTURE_DELAY_MS: '50' });
    const finished = await waitFor(
      async () => {
        const list = await harness!.recorded('finished');
        return list.length > 0 ? list : undefined;
      },
      20_000,
      'the job to be picked up again and finish',
    );
    const details = await waitFor(
      async () => {
        const current = await harness!.manager.inspect(job!.id);
        return current.status === 'completed' ? current : undefined;
      },
      5_000,
      'the job to be completed',
    );
    const started = await harness.recorded('started');
    expect(started.map((entry) => entry.id)).toEqual([job!.id, job!.id]);
    expect(started[0]?.pid).toBe(doomed.child.pid);
    expect(finished.map((entry) => entry.id)).toEqual([job!.id]);
    expect(details.result).toEqual({ text: `done ${job!.id}` });
  });

  it('scrubs a secret a processor’s answer repeats before the result is stored', async () => {
    harness = await openQueues();
    const secret = 'lm-studio-key-repeated-9f9f9f';
    await harness.startWorker({
      LM_STUDIO_API_KEY: secret,
      FIXTURE_ECHO_ENV: 'LM_STUDIO_API_KEY',
      FIXTURE_DELAY_MS: '5',
    });
    const job = await harness.manager.enqueue({
      text: 'repeat the key',
      priority: 3,
      source: 'cli',
      requestedBy: 'cli:test',
      routing: { queue: 'local', method: 'explicit', confidence: 1, patterns: [] },
    });
    const done = await waitFor(
      async () => {
        const details = await harness!.manager.inspect(job.id);
        return details.status === 'completed' ? details : undefined;
      },
      10_000,
      'the job',
    );
    const text = JSON.stringify(done.result);
    expect(text).toContain(`done ${job.id} [redacted]`);
    expect(text).not.toContain(secret);
  });
});
