// Reads what the memory keeps from a finished job's details. Pure.
import type { JobResult } from '@agentops/shared';
import type { JobDetails } from '../queue/manager.js';
import type { FinishedJobRecord } from './summary.js';

export type FinishedOutcome = 'completed' | 'failed';

function resultOf(details: JobDetails): Partial<JobResult> {
  return typeof details.result === 'object' && details.result !== null ? (details.result as Partial<JobResult>) : {};
}

export function toFinishedRecord(details: JobDetails, outcome: FinishedOutcome): FinishedJobRecord {
  const result = resultOf(details);
  const record: FinishedJobRecord = {
    id: details.id,
    queue: details.queue,
    priority: details.priority,
    // A cancelled job fails in BullMQ; the cancel record says what a person did.
    status: details.status === 'cancelled' ? 'cancelled' : outcome,
    text: details.data.text,
    requestedBy: details.data.requestedBy,
    createdAt: details.data.createdAt,
    finishedAt: details.finishedAt ?? Date.now(),
  };
  if (typeof result.text === 'string' && result.text.length > 0) record.answer = result.text;
  if (outcome === 'failed' && details.failedReason) record.failedReason = details.failedReason;
  const cost = result.stats?.costUsd;
  if (typeof cost === 'number' && Number.isFinite(cost)) record.costUsd = cost;
  if (details.data.slack) {
    record.slack = { channel: details.data.slack.channel, ...(details.data.slack.receiptTs ? { receiptTs: details.data.slack.receiptTs } : {}) };
  }
  return record;
}
