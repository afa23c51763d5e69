// submitJobs, the one path from a request to jobs: refused requests get no job,
// every admitted one is built and queued once, what the caller promised is
// taken back only when the jobs really do not exist, and handling the same
// inbox entry again creates nothing new.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobData } from '@agentops/core';
import { createLogger } from '@agentops/core';
import { createRouter, submitJobs, type SubmitHooks } from '@agentops/controller';
import { openQueues, type QueueHarness } from '../support/queues.js';

let harness: QueueHarness;
const route = createRouter({ logger: createLogger({ name: 'test-router', level: 'silent', format: 'json' }) });

beforeAll(async () => {
  harness = await openQueues();
});

afterAll(async () => {
  await harness?.close();
});

const origin = { source: 'cli' as const, requestedBy: 'cli:test' };
let entries = 0;
const deps = () => ({ manager: harness.manager, route, plans: harness.plans });
const entry = () => {
  entries += 1;
  return `test-entry-${process.pid}-${entries}`;
};

/** Records which hooks ran, in order. */
function recording(overrides: Partial<SubmitHooks> = {}): { hooks: SubmitHooks; seen: string[] } {
  const seen: string[] = [];
  return {
    seen,
    hooks: {
      beforeEnqueue: async (job) => void seen.push(`before:${job.id}`),
      afterEnqueue: async (jobs) => void seen.push(`after:${jobs.length}`),
      enqueueFailed: async () => void seen.push('enqueueFailed'),
      afterEnqueueFailed: async () => void seen.push('afterEnqueueFailed'),
      ...overrides,
    },
  };
}

describe('submitJobs', () => {
  it('queues every admitted request once, in order, and leaves refused ones without a job', async () => {
    const { hooks, seen } = recording({
      admit: (request) =>
        request.text.includes('secret') ? { admitted: false, message: 'not you' } : { admitted: true },
    });
    const refused: string[] = [];
    hooks.refused = async (request, _decision, message) => void refused.push(`${request.text}: ${message}`);
    const jobs = await submitJobs(
      deps(),
      origin,
      [
        { text: 'summarize the meeting notes', priority: 3 },
        { text: 'read the secret file', priority: 3 },
        { text: 'fix the failing test in src/app.ts', priority: 1 },
      ],
      { hooks, entryId: entry() },
    );
    expect(jobs.map((job) => [job.text, job.queue, job.priority])).toEqual([
      ['summarize the meeting notes', 'local', 3],
      ['fix the failing test in src/app.ts', 'code', 1],
    ]);
    expect(refused).toEqual(['read the secret file: not you']);
    expect(seen).toEqual([`before:${jobs[0]?.id}`, `before:${jobs[1]?.id}`, 'after:2']);
    for (const job of jobs) expect((await harness.manager.inspect(job.id)).data).toEqual(job);
  });

  it('keeps the jobs, and says so, when only what follows the enqueue fails', async () => {
    const { hooks, seen } = recording({
      afterEnqueue: async () => {
        throw new Error('linking the receipt failed');
      },
    });
    const jobs = await submitJobs(deps(), origin, [{ text: 'draft a memo', priority: 3 }], { hooks, entryId: entry() });
    expect(jobs).toHaveLength(1);
    expect(seen).toEqual([`before:${jobs[0]?.id}`, 'afterEnqueueFailed']);
    expect((await harness.manager.inspect(jobs[0]?.id ?? '')).status).toBe('waiting');
  });

  it('takes back what was promised when the jobs could not be added, and rethrows', async () => {
    const { hooks, seen } = recording();
    const promised: JobData[] = [];
    hooks.enqueueFailed = async (jobs) => {
      promised.push(...jobs);
      seen.push('enqueueFailed');
    };
    // A job without a requester fails the job schema, so nothing is added.
    await expect(
      submitJobs(deps(), { source: 'cli', requestedBy: '' }, [{ text: 'draft a memo', priority: 3 }], {
        hooks,
        entryId: entry(),
      }),
    ).rejects.toThrow();
    expect(seen).toEqual([`before:${promised[0]?.id}`, 'enqueueFailed']);
    await expect(harness.manager.inspect(promised[0]?.id ?? '')).rejects.toMatchObject({ code: 'JOB_NOT_FOUND' });
  });

  it('skips routing when the queue is chosen', async () => {
    const [job] = await submitJobs(deps(), origin, [{ text: 'summarize this', priority: 2 }], {
      queue: 'research',
      entryId: entry(),
    });
    expect(job?.routing).toMatchObject({ queue: 'research', method: 'explicit' });
    expect((await harness.manager.inspect(job?.id ?? '')).queue).toBe('research');
  });

  it('handles an inbox entry again without routing again or creating anything new', async () => {
    const id = entry();
    let routed = 0;
    const counting = {
      ...deps(),
      route: (text: string) => {
        routed += 1;
        return route(text);
      },
    };
    const requests = [
      { text: 'summarize the notes', priority: 3 as const },
      { text: 'fix the failing test in src/app.ts', priority: 2 as const },
    ];
    const first = await submitJobs(counting, origin, requests, { entryId: id });
    const before = await harness.redis.get(`${harness.prefix}:agentops:next-job-id`);
    const again = await submitJobs(counting, origin, requests, { entryId: id });
    expect(again).toEqual(first);
    expect(routed).toBe(2);
    expect(await harness.redis.get(`${harness.prefix}:agentops:next-job-id`)).toBe(before);
    const listed = await harness.manager.list(undefined, 100);
    for (const job of first) expect(listed.filter((other) => other.id === job.id)).toHaveLength(1);
  });

  it('finishes an entry whose plan was made but whose jobs were never added (a crash in between)', async () => {
    const id = entry();
    const requests = [{ text: 'draft the release notes', priority: 3 as const }];
    const failing = {
      ...deps(),
      manager: Object.assign(Object.create(harness.manager), {
        add: async () => {
          throw new Error('connection lost');
        },
      }) as typeof harness.manager,
    };
    await expect(submitJobs(failing, origin, requests, { entryId: id })).rejects.toThrow('connection lost');
    const [job] = await submitJobs(deps(), origin, requests, { entryId: id });
    expect((await harness.manager.inspect(job?.id ?? '')).status).toBe('waiting');
  });
});
