// The REST API's shapes, once, in zod: the handlers parse requests with them
// and build responses that satisfy them, and the OpenAPI document's schemas
// are generated from them (openapi.ts), so the document cannot drift from
// what the handlers accept and answer.
import { z } from 'zod';
import { JOB_SOURCES, JOB_STATUSES, QUEUE_NAMES, ROUTING_METHODS } from '@agentops/core';
import { CALLBACK_STATUSES } from '../webhooks/callback-store.js';

const priority = z.union([z.literal(1), z.literal(2), z.literal(3)], { error: 'must be 1, 2 or 3' });
const queue = z.enum(QUEUE_NAMES, { error: `must be one of ${QUEUE_NAMES.join(', ')}` });

export const createJobBody = z
  .object({
    text: z.string({ error: 'is required: what the job should do' }).min(1, { error: 'is empty' }),
    priority: priority.default(3),
    queue: queue.optional(),
    workspace: z.string().min(1).max(100).optional(),
    callbackUrl: z.string().min(1).max(2_048).optional(),
  })
  .strict();

export const promoteBody = z.object({ priority: priority }).strict();

export const listQuery = z
  .object({
    status: z.enum(JOB_STATUSES, { error: `must be one of ${JOB_STATUSES.join(', ')}` }).optional(),
    queue: queue.optional(),
    limit: z
      .string()
      .regex(/^\d{1,3}$/, { error: 'must be a number from 1 to 200' })
      .transform(Number)
      .pipe(z.number().min(1, { error: 'must be at least 1' }).max(200, { error: 'must be at most 200' }))
      .optional(),
    cursor: z.string().min(1).max(500).optional(),
  })
  .strict();

export const jobIdParam = z.string().regex(/^(?:job-)?\d{1,15}$/, { error: 'must be a job id such as 42' });

export const routingView = z.object({
  queue,
  method: z.enum(ROUTING_METHODS),
  confidence: z.number().min(0).max(1).optional(),
  patterns: z.array(z.string()).optional(),
  reason: z.string().optional(),
});

export const statsView = z.object({
  durationMs: z.number().optional(),
  costUsd: z.number().optional(),
  turns: z.number().optional(),
  model: z.string().optional(),
  branch: z.string().optional(),
  diffstat: z.string().optional(),
});

export const callbackView = z.object({
  status: z.enum(CALLBACK_STATUSES),
  attempts: z.number().int().min(0),
  lastError: z.string().optional(),
});

export const jobView = z.object({
  id: z.string(),
  queue,
  status: z.enum(JOB_STATUSES),
  priority,
  text: z.string(),
  source: z.enum(JOB_SOURCES),
  requestedBy: z.string(),
  createdAt: z.number().int(),
  startedAt: z.number().int().optional(),
  finishedAt: z.number().int().optional(),
  attempts: z.number().int().min(0),
  routing: routingView,
  workspace: z.string().optional(),
  trigger: z.object({ kind: z.enum(['api', 'webhook', 'schedule']), name: z.string() }).optional(),
  answer: z.string().optional(),
  failedReason: z.string().optional(),
  stats: statsView.optional(),
  cancelled: z.object({ by: z.string(), at: z.number().int() }).optional(),
  callback: callbackView.optional(),
  /** Where it was read: the live queue, or the history for jobs BullMQ no longer keeps. */
  from: z.enum(['queue', 'history']),
});
export type JobView = z.infer<typeof jobView>;

export const jobCreated = z.object({
  id: z.string(),
  queue,
  priority,
  status: z.literal('waiting'),
  routing: routingView,
  workspace: z.string().optional(),
  /** A card was posted in the Slack channel (API_RECEIPTS, Slack mode). */
  receipt: z.boolean(),
});

export const jobList = z.object({ jobs: z.array(jobView), nextCursor: z.string().optional() });

export const actionResult = z.object({
  action: z.enum(['cancel', 'retry', 'promote']),
  /** cancel: removed (it was waiting) or stopping (its worker stops it); retry: requeued; promote: promoted. */
  outcome: z.enum(['removed', 'stopping', 'requeued', 'promoted']),
  job: jobView,
});

export const problemView = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  code: z.string(),
  field: z.string().optional(),
});

export const hookAccepted = z.object({
  /** accepted: the jobs were queued; ignored: the hook's `events` or `when` did not match. */
  outcome: z.enum(['accepted', 'ignored']),
  jobs: z.array(z.object({ id: z.string(), queue })).optional(),
  reason: z.string().optional(),
});

/** The first problem of a failed parse: the field at fault and what is wrong with it. */
export function firstIssue(error: z.ZodError): { field: string; message: string } {
  const issue = error.issues[0];
  const field = issue?.path.map(String).join('.') || 'body';
  if (issue?.code === 'unrecognized_keys')
    return { field: issue.keys[0] ?? field, message: `is not a field of this request (${issue.keys.join(', ')})` };
  return { field, message: issue?.message ?? 'is invalid' };
}
