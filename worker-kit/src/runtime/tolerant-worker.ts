// A BullMQ Worker that survives a job whose stored data is not valid JSON.
// BullMQ parses `data` while claiming the job, outside any processor, so a
// corrupt job would wedge in "active" and come back as stalled forever. Here the
// parse failure becomes ordinary data that the runtime fails with a clear reason.
import { type Job, type JobJson, Worker } from 'bullmq';

const CORRUPT = '__agentopsCorruptData';

export interface CorruptData {
  [CORRUPT]: string;
}

export function corruptDataProblem(data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null || !(CORRUPT in data)) return undefined;
  return (data as CorruptData)[CORRUPT];
}

export class TolerantWorker<Data, Result> extends Worker<Data, Result> {
  protected override createJob(raw: JobJson, jobId: string): Job<Data, Result, string> {
    try {
      return super.createJob(raw, jobId);
    } catch (error) {
      const problem = `stored data is not valid JSON (${error instanceof Error ? error.message : String(error)})`;
      return super.createJob({ ...raw, data: JSON.stringify({ [CORRUPT]: problem }) }, jobId);
    }
  }
}
