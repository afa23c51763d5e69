// The contract between the Slack messages AgentOps posts (controller receipts,
// worker replies) and the handlers that receive their buttons. Pure.
import { z } from 'zod';

export const ACTION_IDS = {
  cancel: 'agentops_job_cancel',
  retry: 'agentops_job_retry',
  promote: 'agentops_job_promote',
  pause: 'agentops_status_pause',
  resume: 'agentops_status_resume',
  refresh: 'agentops_status_refresh',
  setWorkers: 'agentops_status_workers',
  viewStatus: 'agentops_status_view',
  /** A tool-use approval in a job's thread: approve once, deny, approve every tool use of the job. */
  approve: 'agentops_tool_approve',
  deny: 'agentops_tool_deny',
  approveAll: 'agentops_tool_approve_all',
  /** A plan job's "Run it": queue the plan's execution as a follow-up of the same session. */
  runPlan: 'agentops_plan_run',
  /** A code job waiting out Claude's limit: run it on the local model instead. */
  spill: 'agentops_job_spill',
  /** A job held by a spent daily budget: an admin lets it run anyway. */
  allowBudget: 'agentops_job_allow_budget',
  dropPlan: 'agentops_plan_drop',
  /** A failure digest's group: retry every job in it, or discard it (and remove its failed jobs). */
  digestRetry: 'agentops_digest_retry',
  digestDiscard: 'agentops_digest_discard',
  /** The private question before a bulk retry or cancel. */
  bulkConfirm: 'agentops_bulk_confirm',
  bulkDismiss: 'agentops_bulk_dismiss',
} as const;
export type ActionId = (typeof ACTION_IDS)[keyof typeof ACTION_IDS];

/** Slack's Block Kit limits (https://api.slack.com/reference/block-kit). */
export const SLACK_LIMITS = {
  blocksPerMessage: 50,
  sectionText: 3_000,
  sectionFields: 10,
  fieldText: 2_000,
  buttonText: 75,
  buttonValue: 2_000,
  actionId: 255,
  blockId: 255,
  contextElements: 10,
  headerText: 150,
  messageText: 40_000,
  /** Messages far below the per-block limits still fail past about 13k characters of blocks. */
  totalBlockChars: 12_000,
} as const;

/** A job button carries only the job id; everything else is looked up again. */
const jobButtonSchema = z.object({ id: z.string().regex(/^\d{1,15}$/) }).strict();
export type JobButtonValue = z.infer<typeof jobButtonSchema>;

export function jobButtonValue(id: string): string {
  return JSON.stringify({ id });
}

/** Reads a job button's value; undefined for anything forged or malformed. */
export function parseJobButtonValue(value: string | undefined): JobButtonValue | undefined {
  if (!value || value.length > SLACK_LIMITS.buttonValue) return undefined;
  try {
    const parsed = jobButtonSchema.safeParse(JSON.parse(value));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** A digest group's button: the digest and the group's signature key. */
const digestButtonSchema = z
  .object({ digest: z.string().regex(/^d\d{1,15}$/), group: z.string().regex(/^[0-9a-f]{12}$/) })
  .strict();
export type DigestButtonValue = z.infer<typeof digestButtonSchema>;

/** A bulk confirmation's button: the token the question stored. */
const bulkButtonSchema = z.object({ token: z.string().regex(/^[0-9a-f]{32}$/) }).strict();
export type BulkButtonValue = z.infer<typeof bulkButtonSchema>;

function parseButton<T>(schema: z.ZodType<T>, value: string | undefined): T | undefined {
  if (!value || value.length > SLACK_LIMITS.buttonValue) return undefined;
  try {
    const parsed = schema.safeParse(JSON.parse(value));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export const digestButtonValue = (value: DigestButtonValue): string => JSON.stringify(value);
export const parseDigestButtonValue = (value: string | undefined) => parseButton(digestButtonSchema, value);
export const bulkButtonValue = (token: string): string => JSON.stringify({ token });
export const parseBulkButtonValue = (value: string | undefined) => parseButton(bulkButtonSchema, value);

/** Link to a message in Slack's web client, for "see the thread" pointers. */
export function slackPermalinkPath(channel: string, ts: string): string {
  return `/archives/${channel}/p${ts.replace('.', '')}`;
}
