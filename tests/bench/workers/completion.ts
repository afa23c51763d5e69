// The IPC side of a bench worker process: says "ready" once its BullMQ worker
// listens, counts finished jobs, and tells the benchmark the moment the count
// it asked for is reached (with this process's clock, which is the machine's).
import type { Worker } from 'bullmq';

export interface ExpectMessage {
  type: 'expect';
  /** Finished jobs (completed + failed) since the process started. */
  total: number;
}

export interface DoneMessage {
  type: 'done';
  at: number;
  completed: number;
  failed: number;
}

export function reportCompletions(worker: Worker): void {
  if (!process.send) return;
  let completed = 0;
  let failed = 0;
  let target = Number.POSITIVE_INFINITY;
  const check = () => {
    if (completed + failed < target) return;
    target = Number.POSITIVE_INFINITY;
    process.send?.({ type: 'done', at: Date.now(), completed, failed } satisfies DoneMessage);
  };
  worker.on('completed', () => {
    completed += 1;
    check();
  });
  worker.on('failed', () => {
    failed += 1;
    check();
  });
  process.on('message', (message: ExpectMessage) => {
    if (message.type !== 'expect') return;
    target = message.total;
    check();
  });
  process.send({ type: 'ready', pid: process.pid });
}
