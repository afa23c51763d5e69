// The job model: what a producer puts on a queue and what a worker may rely on.
import { z } from 'zod';
import { QUEUE_NAMES, type JobPriority, type QueueName } from './queues.js';

/** Where a job came from: Slack (slash, message, button), the CLI, the REST API, a webhook, a schedule. */
export const JOB_SOURCES = ['slash', 'message', 'button', 'cli', 'api', 'webhook', 'schedule'] as const;
export type JobSource = (typeof JOB_SOURCES)[number];

export const ROUTING_METHODS = ['keyword', 'llm', 'default', 'explicit'] as const;
export type RoutingMethod = (typeof ROUTING_METHODS)[number];

/** Longest job text accepted, in characters (Unicode code points). */
export const MAX_JOB_TEXT = 10_000;

/** How a job reached its queue. */
export interface RoutingDecision {
  queue: QueueName;
  method: RoutingMethod;
  /** 0..1; keyword decisions grow with the lead over the runner-up. */
  confidence: number;
  /** Labels of the keyword patterns that matched, e.g. ["repo", ".ts"]. */
  patterns: string[];
  /** Why the router chose this, for logs and receipts. */
  reason?: string;
}

export interface SlackOrigin {
  channel: string;
  user: string;
  /** ts of the receipt message; workers reply in its thread. */
  receiptTs?: string;
  /** ts of the message that asked for the job, when it came from a message. */
  messageTs?: string;
}

/** A job's place in a thread's conversation: the job whose card opened the thread, and the one before it. */
export interface JobThreadLink {
  /** Id of the thread's first job (its card is the thread's parent message). */
  root: string;
  /** Id of the job this one follows up; it runs only after that one has ended. */
  after: string;
}

/** What started a job that no person typed: a REST API token, a webhook, a schedule. */
export interface JobTrigger {
  kind: 'api' | 'webhook' | 'schedule';
  /** The API token's, the hook's or the schedule's name or id. */
  name: string;
  /** Where the job's final result is POSTed (API jobs). */
  callbackUrl?: string;
}

/** `plan`: Claude only plans (permission mode plan) and the plan is posted with Run it / Cancel. */
export const JOB_MODES = ['plan'] as const;
export type JobMode = (typeof JOB_MODES)[number];

export interface JobData {
  /** Short id shared by all queues ("42"); BullMQ's id is "job-42". */
  id: string;
  text: string;
  priority: JobPriority;
  queue: QueueName;
  source: JobSource;
  /** Who asked: a Slack user id, or "cli:<os user>". */
  requestedBy: string;
  createdAt: number;
  routing: RoutingDecision;
  slack?: SlackOrigin;
  /** Set on a follow-up: the thread it continues. */
  thread?: JobThreadLink;
  /** A CODE_WORKSPACES name; absent: CODE_WORKDIR. */
  workspace?: string;
  mode?: JobMode;
  trigger?: JobTrigger;
}

export const jobDataSchema = z.object({
  id: z.string().regex(/^\d+$/),
  text: z.string().min(1),
  priority: z.union([z.literal(1), z.literal(2), z.literal(3)]),
  queue: z.enum(QUEUE_NAMES),
  source: z.enum(JOB_SOURCES),
  requestedBy: z.string().min(1),
  createdAt: z.number().int().nonnegative(),
  routing: z.object({
    queue: z.enum(QUEUE_NAMES),
    method: z.enum(ROUTING_METHODS),
    confidence: z.number().min(0).max(1),
    patterns: z.array(z.string()),
    reason: z.string().optional(),
  }),
  slack: z
    .object({
      channel: z.string().min(1),
      user: z.string().min(1),
      receiptTs: z.string().optional(),
      messageTs: z.string().optional(),
    })
    .optional(),
  thread: z.object({ root: z.string().regex(/^\d+$/), after: z.string().regex(/^\d+$/) }).optional(),
  workspace: z.string().min(1).optional(),
  mode: z.enum(JOB_MODES).optional(),
  trigger: z
    .object({
      kind: z.enum(['api', 'webhook', 'schedule']),
      name: z.string().min(1),
      callbackUrl: z.string().url().optional(),
    })
    .optional(),
}) satisfies z.ZodType<JobData>;

/** One job as a person asked for it, before routing. */
export interface JobRequest {
  text: string;
  priority: JobPriority;
  /** A CODE_WORKSPACES name the request chose (`repo=<name>`), checked by the intake. */
  workspace?: string;
  mode?: JobMode;
}

/** Who asked for a job and where it came from. */
export interface JobOrigin {
  source: JobSource;
  /** A Slack user id, or "cli:<os user>". */
  requestedBy: string;
  /** Where a Slack job replies; the receipt's ts is added once it is posted. */
  slack?: SlackOrigin;
  /** A follow-up's thread. */
  thread?: JobThreadLink;
  /** The API token, webhook or schedule that started it. */
  trigger?: JobTrigger;
}

/** A job's data: the one place it is built, for every producer. */
export function buildJobData(
  id: string,
  request: JobRequest,
  routing: RoutingDecision,
  origin: JobOrigin,
  createdAt: number,
): JobData {
  return {
    id,
    text: request.text,
    priority: request.priority,
    queue: routing.queue,
    source: origin.source,
    requestedBy: origin.requestedBy,
    createdAt,
    routing,
    ...(origin.slack ? { slack: { ...origin.slack } } : {}),
    ...(origin.thread ? { thread: { ...origin.thread } } : {}),
    ...(origin.trigger ? { trigger: { ...origin.trigger } } : {}),
    ...(request.workspace ? { workspace: request.workspace } : {}),
    ...(request.mode ? { mode: request.mode } : {}),
  };
}

/** The states `list` can filter by. */
export const LIST_STATES = ['waiting', 'active', 'delayed', 'completed', 'failed'] as const;
export type ListState = (typeof LIST_STATES)[number];

/** Where a job is, in words a person understands. */
export const JOB_STATUSES = ['waiting', 'delayed', 'active', 'completed', 'failed', 'cancelled', 'unknown'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** Maps BullMQ's states onto ours ("prioritized" and "paused" jobs are waiting). */
export function toJobStatus(bullState: string): JobStatus {
  switch (bullState) {
    case 'waiting':
    case 'prioritized':
    case 'paused':
    case 'waiting-children':
      return 'waiting';
    case 'delayed':
    case 'active':
    case 'completed':
    case 'failed':
      return bullState;
    default:
      return 'unknown';
  }
}

export function priorityLabel(priority: JobPriority): string {
  return `P${priority}`;
}

/** Record kept when a person cancels a job, so inspect and retry still know it. */
export interface CancelRecord {
  id: string;
  by: string;
  at: number;
  /** State the job was in when cancelled. */
  from: JobStatus;
  data: JobData;
}
