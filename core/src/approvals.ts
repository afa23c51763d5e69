// Tool approvals across processes. A code worker whose Claude run asks about a
// tool use writes the question to Redis; the controller (the one process with
// Slack's tokens) asks in the job's thread and writes the answer back; the
// worker, blocked on its own connection, reads it. Pure: the shapes, their
// parsing and the answer rules; the Redis calls live with each side.
//
// Per question: the request (approval:<id>, what the controller needs to ask
// and to check a click), the answer (approval-answer:<id>, written once with
// SET NX: the first click wins, a timeout is an answer too) and a list the
// worker BLPOPs (approval-wake:<id>). New questions also go on a stream the
// controller follows from its cursor, so none is lost while it restarts.
import { z } from 'zod';

export interface ApprovalRequest {
  /** `<job id>.<n>`: the nth question of the job. */
  id: string;
  job: string;
  queue: string;
  /** Who may answer besides an admin: the job's requester. */
  requestedBy: string;
  /** The Slack channel of the job's thread; absent for jobs not from Slack. */
  channel?: string;
  /** The job whose receipt heads the thread. */
  root: string;
  tool: string;
  /** The tool's input, shortened and scrubbed of secrets by the worker. Untrusted: escape before showing. */
  input: string;
  at: number;
  timeoutMs: number;
}

export type ApprovalChoice = 'approve' | 'deny' | 'approveAll';

export interface ApprovalAnswer {
  choice: ApprovalChoice | 'timeout';
  /** Who clicked; absent for a timeout. */
  by?: string;
  at: number;
}

const requestSchema = z.object({
  id: z.string().min(1),
  job: z.string().min(1),
  queue: z.string().min(1),
  requestedBy: z.string(),
  channel: z.string().optional(),
  root: z.string().min(1),
  tool: z.string(),
  input: z.string(),
  at: z.number(),
  timeoutMs: z.number(),
});

const answerSchema = z.object({
  choice: z.enum(['approve', 'deny', 'approveAll', 'timeout']),
  by: z.string().optional(),
  at: z.number(),
});

function parseJson(raw: string | null | undefined): unknown {
  if (!raw) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

/** A stored request, or undefined when it is missing or malformed. */
export function parseApprovalRequest(raw: string | null | undefined): ApprovalRequest | undefined {
  const parsed = requestSchema.safeParse(parseJson(raw));
  return parsed.success ? stripUndefined(parsed.data) : undefined;
}

/** A stored answer, or undefined when it is missing or malformed. */
export function parseApprovalAnswer(raw: string | null | undefined): ApprovalAnswer | undefined {
  const parsed = answerSchema.safeParse(parseJson(raw));
  return parsed.success ? stripUndefined(parsed.data) : undefined;
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** The question's id, from the job and how many it asked before. */
export function approvalId(jobId: string, n: number): string {
  return `${jobId}.${n}`;
}

/** A button's value is the question's id; anything else is forged. */
export function parseApprovalButtonValue(value: string | undefined): string | undefined {
  return value && /^[A-Za-z0-9_-]{1,64}\.\d{1,6}$/.test(value) ? value : undefined;
}

/** Whether the tool use may run. */
export const allows = (answer: ApprovalAnswer): boolean =>
  answer.choice === 'approve' || answer.choice === 'approveAll';

/** What the model is told when a tool use is refused. */
export function denialMessage(answer: ApprovalAnswer, timeoutMs: number): string {
  if (answer.choice === 'timeout')
    return `Nobody approved this tool use within ${Math.round(timeoutMs / 1_000)} s, so it was denied. Do not retry it; finish without it and say what is left to do.`;
  return 'The person who reviews this job denied this tool use. Do not retry it; finish without it and say what is left to do.';
}
