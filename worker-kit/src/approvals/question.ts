// The approval question a worker writes for one tool use: which job, who may
// answer, and the tool's input as a person should see it. Pure.
//
// The input is what the model wrote, so it is untrusted and may hold a key
// the model has seen: it is cut to a readable length and scrubbed of every
// configured secret here, before it leaves the worker; the controller escapes
// it for Slack.
import { approvalId, scrubSecrets, truncate, type ApprovalRequest, type JobData } from '@agentops/core';

/** Longest input shown; a whole file's content is not needed to decide. */
export const APPROVAL_INPUT_MAX = 1_500;

/** The field that says what a tool will do, for the tools whose input has one; else the whole input as JSON. */
const MAIN_FIELD: Record<string, string> = {
  Bash: 'command',
  Write: 'file_path',
  Edit: 'file_path',
  MultiEdit: 'file_path',
  NotebookEdit: 'notebook_path',
  WebFetch: 'url',
};

export function approvalInputText(tool: string, input: Record<string, unknown>, secrets: readonly string[]): string {
  const field = MAIN_FIELD[tool];
  const main = field ? input[field] : undefined;
  const text = typeof main === 'string' ? main : JSON.stringify(input, null, 1);
  return truncate(scrubSecrets(text ?? '', secrets), APPROVAL_INPUT_MAX);
}

export interface QuestionInput {
  data: JobData;
  /** How many questions the job asked before this one, plus one. */
  n: number;
  tool: string;
  input: Record<string, unknown>;
  secrets: readonly string[];
  timeoutMs: number;
  at: number;
}

export function buildApprovalRequest(question: QuestionInput): ApprovalRequest {
  const { data } = question;
  return {
    id: approvalId(data.id, question.n),
    job: data.id,
    queue: data.queue,
    requestedBy: data.requestedBy,
    ...(data.slack?.channel ? { channel: data.slack.channel } : {}),
    root: data.thread?.root ?? data.id,
    tool: truncate(question.tool, 100),
    input: approvalInputText(question.tool, question.input, question.secrets),
    at: question.at,
    timeoutMs: question.timeoutMs,
  };
}
