// Every queue operation of the manager, against real Redis and a real worker process.
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '@agentops/core';
import { corruptJob } from '../support/corrupt-job.js';
import { failNextJob } from '../support/fail-job.js';
import { openQueues, type QueueHarness } from '../support/queues.js';
import { waitFor } from '../support/processes.js';

let harness: QueueHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const request = (text: string, queue: 'code' | 'local' | 'research' = 'local', priority: 1 | 2 | 3 = 3) => ({
  text,
  priority,
  source: 'cli' as const,
  requestedBy: 'cli:test',
  routing: { queue, method: 'explicit' as const, confidence: 1, patterns: [] },
});

describe('the queue manager', () => {
  it('gives short ids that are unique across the three queues', async () => {
    harness = await openQueues();
    const jobs = await harness.manager.enqueueMany([
      request('a', 'code'),
      request('b', 'local'),
      request('c', 'research'),
      request('d', 'code'),
    ]);
    expect(jobs.map((job) => job.id)).toEqual(['1', '2', '3', '4']);
    const next = await harness.manager.enqueue(request('e', 'research'));
    expect(next.id).toBe('5');
    expect((await harness.manager.inspect('4')).queue).toBe('code');
    expect((await harness.manager.inspect('5')).queue).toBe('research');
  });

  it('reports counts, paused state, global concurrency and connected workers per queue', async () => {
    harness = await openQueues();
    await harness.manager.enqueueMany([request('a', 'code'), request('b', 'code'), request('c', 'research')]);
    await harness.startWorker({ FIXTURE_QUEUE: 'research', FIXTURE_DELAY_MS: '60000' });
    await waitFor(async () => (await harness!.recorded('started')).length === 1, 10_000, 'the research job to start');
    await harness.manager.setGlobalConcurrency(3);
    const status = await harness.manager.status();
    const byName = Object.fromEntries(status.queues.map((queue) => [queue.name, queue]));
    expect(byName.code?.counts.waiting).toBe(2);
    expect(byName.research?.counts.active).toBe(1);
    expect(byName.research?.workers).toBeGreaterThanOrEqual(1);
    expect(byName.code?.workers).toBe(0);
    expect(status.globalConcurrency).toBe(3);
    expect(status.paused).toBe(false);
  });

  it('cancels a waiting job by removing it, and remembers who did', async () => {
    harness = await openQueues();
    const job = await harness.manager.enqueue(request('not needed after all'));
    const outcome = await harness.manager.cancel(job.id, 'U999');
    expect(outcome.outcome).toBe('removed');
    const details = await harness.manager.inspect(job.id);
    expect(details.status).toBe('cancelled');
    expect(details.cancel?.by).toBe('U999');
    expect((await harness.manager.status()).queues.find((queue) => queue.name === 'local')?.counts.waiting).toBe(0);
    await expect(harness.manager.cancel(job.id, 'U999')).rejects.toMatchObject({
      code: ErrorCode.JobAlreadyCancelled,
      message: expect.stringContaining('already cancelled by U999'),
    });
  });

  it('stops a running job when cancelled; it ends cancelled, not retried', async () => {
    harness = await openQueues();
    await harness.startWorker({ FIXTURE_DELAY_MS: '60000' });
    const job = await harness.manager.enqueue(request('runs for a minute'));
    await waitFor(async () => (await harness!.recorded('started')).length === 1, 10_000, 'the job to start');
    const asked = Date.now();
    const outcome = await harness.manager.cancel(job.id, 'U777');
    expect(outcome.outcome).toBe('stopping');
    const details = await waitFor(
      async () => {
        const current = await harness!.manager.inspect(job.id);
        return current.status === 'cancelled' ? current : undefined;
      },
      5_000,
      'the job to end cancelled',
    );
    expect(Date.now() - asked).toBeLessThan(2_000);
    expect(details.failedReason).toContain('Cancelled by U777');
    expect(details.attemptsMade).toBe(1);
    expect(await harness.recorded('finished')).toEqual([]);
  });

  it('refuses to cancel a finished job, and says so', async () => {
    harness = await openQueues();
    await harness.startWorker({ FIXTURE_DELAY_MS: '10' });
    const job = await harness.manager.enqueue(request('quick'));
    await waitFor(async () => (await harness!.manager.inspect(job.id)).status === 'completed', 10_000, 'completion');
    await expect(harness.manager.cancel(job.id, 'U1')).rejects.toMatchObject({
      code: ErrorCode.JobFinished,
      message: expect.stringContaining('already finished (completed)'),
    });
  });

  it('retries a failed job with its full attempts, and a cancelled one under the same id', async () => {
    harness = await openQueues();
    await harness.startWorker({ FIXTURE_DELAY_MS: '60000' });
    const job = await harness.manager.enqueue(request('will be stopped'));
    await waitFor(async () => (await harness!.recorded('started')).length === 1, 10_000, 'start');
    await harness.manager.cancel(job.id, 'U1');
    await waitFor(async () => (await harness!.manager.inspect(job.id)).status === 'cancelled', 5_000, 'cancelled');
    const retried = await harness.manager.retry(job.id);
    expect(retried.job.status).toMatch(/waiting|active/);
    expect(retried.job.attemptsMade).toBe(0);
    await waitFor(
      async () => (await harness!.recorded('started')).length === 2,
      10_000,
      'the retried job to start again',
    );

    const waiting = await harness.manager.enqueue(request('cancel me while waiting', 'code'));
    await harness.manager.cancel(waiting.id, 'U2');
    const again = await harness.manager.retry(waiting.id);
    expect(again.job).toMatchObject({ id: waiting.id, queue: 'code', status: 'waiting' });
    expect(again.job.cancel).toBeUndefined();
  });

  it('refuses to retry a job that has not failed', async () => {
    harness = await openQueues();
    const job = await harness.manager.enqueue(request('still waiting'));
    await expect(harness.manager.retry(job.id)).rejects.toMatchObject({
      code: ErrorCode.JobInvalidState,
      message: expect.stringContaining('is waiting'),
    });
    await expect(harness.manager.retry('999')).rejects.toMatchObject({ code: ErrorCode.JobNotFound });
  });

  it('promotes a waiting job so it runs before older ones', async () => {
    harness = await openQueues();
    const [a, b, c] = await harness.manager.enqueueMany([request('a'), request('b'), request('c')]);
    const promoted = await harness.manager.promote(c!.id, 1);
    expect(promoted.priority).toBe(1);
    expect(promoted.data.priority).toBe(1);
    await harness.startWorker({ LOCAL_CONCURRENCY: '1', FIXTURE_DELAY_MS: '10' });
    await waitFor(async () => (await harness!.recorded('finished')).length === 3, 10_000, 'all three');
    expect((await harness.recorded('started')).map((entry) => entry.id)).toEqual([c!.id, a!.id, b!.id]);
  });

  it('refuses to promote a running or unknown job', async () => {
    harness = await openQueues();
    await harness.startWorker({ FIXTURE_DELAY_MS: '60000' });
    const job = await harness.manager.enqueue(request('running'));
    await waitFor(async () => (await harness!.recorded('started')).length === 1, 10_000, 'start');
    await expect(harness.manager.promote(job.id, 1)).rejects.toMatchObject({
      code: ErrorCode.JobInvalidState,
      message: expect.stringContaining('already running'),
    });
    await expect(harness.manager.promote('4242', 1)).rejects.toMatchObject({
      code: ErrorCode.JobNotFound,
      message: expect.stringContaining('no job 4242'),
    });
  });

  it('lists recent jobs newest first, filtered by state', async () => {
    harness = await openQueues();
    await harness.manager.enqueueMany([request('one', 'code'), request('two', 'local'), request('three', 'research')]);
    const all = await harness.manager.list();
    expect(all.map((job) => job.data.text)).toEqual(['three', 'two', 'one']);
    expect(await harness.manager.list('failed')).toEqual([]);
    expect((await harness.manager.list('waiting', 2)).length).toBe(2);
  });
});

describe('jobs whose stored data cannot be read', () => {
  it('lists them as unreadable among the others, and refuses every control of them, saying why and what to do', async () => {
    harness = await openQueues();
    const [healthy, broken, missing] = await harness.manager.enqueueMany([
      request('healthy'),
      request('will get invalid JSON'),
      request('will lose fields', 'code'),
    ]);
    await corruptJob(harness, 'local', broken!.id, 'json');
    await corruptJob(harness, 'code', missing!.id, 'fields');
    const entries = await harness.manager.entries();
    expect(entries.map((job) => job.id)).toEqual([missing!.id, broken!.id, healthy!.id]);
    expect(entries[0]).toMatchObject({
      queue: 'code',
      status: 'waiting',
      unreadable: expect.stringContaining('routing'),
    });
    expect(entries[1]).toMatchObject({ queue: 'local', status: 'waiting', priority: 3, unreadable: 'not valid JSON' });
    expect(entries[2]).toMatchObject({ queue: 'local', status: 'waiting', data: { text: 'healthy' } });
    expect((await harness.manager.list()).map((job) => job.id)).toEqual([healthy!.id]);
    expect((await harness.manager.nextUp('local', 10)).length).toBe(2);
    const manager = harness.manager;
    for (const [verb, attempt] of [
      ['shown', () => manager.inspect(broken!.id)],
      ['cancelled', () => manager.cancel(broken!.id, 'U1')],
      ['retried', () => manager.retry(broken!.id, 'U1')],
      ['promoted', () => manager.promote(broken!.id, 1)],
    ] as const) {
      await expect(attempt()).rejects.toMatchObject({
        code: ErrorCode.JobDataInvalid,
        message: expect.stringMatching(
          new RegExp(
            `^Job ${broken!.id}'s stored data is unreadable \\(not valid JSON\\), so it cannot be ${verb}\\. It is waiting on local\\..*/admin/queues`,
          ),
        ),
      });
    }
    await expect(manager.inspect(missing!.id)).rejects.toMatchObject({
      code: ErrorCode.JobDataInvalid,
      message: expect.stringContaining('stored data is unreadable (missing or invalid fields: id,'),
    });
    expect((await manager.cancel(healthy!.id, 'U1')).outcome).toBe('removed');
  });
});

/** Runs the calls at once; what they returned and what they threw. */
async function together<T>(calls: (() => Promise<T>)[]): Promise<{ ok: T[]; refused: unknown[] }> {
  const results = await Promise.allSettled(calls.map((call) => call()));
  return {
    ok: results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : [])),
    refused: results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : [])),
  };
}

const twenty = <T>(call: (index: number) => Promise<T>) => Array.from({ length: 20 }, (_, index) => () => call(index));

describe('20 concurrent controls of one job', () => {
  it('retry of a failed job: retried once, "already retried" to the others', async () => {
    harness = await openQueues();
    const job = await harness.manager.enqueue(request('will fail'));
    expect(await failNextJob(harness, 'local')).toBe(job.id);
    const manager = harness.manager;
    const { ok, refused } = await together(twenty((index) => manager.retry(job.id, `U${index}`)));
    expect(ok).toHaveLength(1);
    expect(refused).toHaveLength(19);
    for (const error of refused) {
      expect(error).toMatchObject({
        code: ErrorCode.JobAlreadyRetried,
        message: expect.stringMatching(
          new RegExp(`^Job ${job.id} was already retried by U\\d+ at .*; it is waiting now\\.`),
        ),
      });
    }
    const local = (await manager.status()).queues.find((queue) => queue.name === 'local');
    expect(local?.counts).toMatchObject({ waiting: 1, failed: 0 });
  });

  it('retry of a job cancelled while waiting: put back once, "already retried" to the others', async () => {
    harness = await openQueues();
    const manager = harness.manager;
    const job = await manager.enqueue(request('cancelled, then wanted after all'));
    await manager.cancel(job.id, 'U1');
    const { ok, refused } = await together(twenty((index) => manager.retry(job.id, `U${index}`)));
    expect(ok).toHaveLength(1);
    expect(refused.map((error) => (error as { code?: string }).code)).toEqual(
      Array(19).fill(ErrorCode.JobAlreadyRetried),
    );
    expect((await manager.inspect(job.id)).status).toBe('waiting');
  });

  it('cancel of a waiting job: removed once, "already cancelled" to the others', async () => {
    harness = await openQueues();
    const manager = harness.manager;
    const job = await manager.enqueue(request('not needed'));
    const { ok, refused } = await together(twenty((index) => manager.cancel(job.id, `U${index}`)));
    expect(ok.map((outcome) => outcome.outcome)).toEqual(['removed']);
    expect(refused).toHaveLength(19);
    for (const error of refused) {
      expect(error).toMatchObject({
        code: ErrorCode.JobAlreadyCancelled,
        message: expect.stringMatching(new RegExp(`^Job ${job.id} was already cancelled by U\\d+`)),
      });
    }
  });

  it('cancel of a running job: one stop request, "already cancelled" to the others', async () => {
    harness = await openQueues();
    await harness.startWorker({ FIXTURE_DELAY_MS: '60000' });
    const manager = harness.manager;
    const job = await manager.enqueue(request('runs for a minute'));
    await waitFor(async () => (await harness!.recorded('started')).length === 1, 10_000, 'the job to start');
    const { ok, refused } = await together(twenty((index) => manager.cancel(job.id, `U${index}`)));
    expect(ok.map((outcome) => outcome.outcome)).toEqual(['stopping']);
    expect(refused.map((error) => (error as { code?: string }).code)).toEqual(
      Array(19).fill(ErrorCode.JobAlreadyCancelled),
    );
    await waitFor(async () => (await manager.inspect(job.id)).status === 'cancelled', 10_000, 'the job to stop');
    await expect(manager.cancel(job.id, 'U99')).rejects.toMatchObject({ code: ErrorCode.JobAlreadyCancelled });
  });
});
