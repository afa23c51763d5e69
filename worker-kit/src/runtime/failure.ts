// Which failures are worth retrying. Pure: maps a thrown value to a decision,
// branching on codes (errors cross Redis serialized).
import { ErrorCode, toCodedError, type AgentOpsError } from '@agentops/core';

export interface FailureDecision {
  error: AgentOpsError;
  /** false: fail now with UnrecoverableError; true: let BullMQ back off and retry. */
  retry: boolean;
}

const NEVER_RETRY = new Set<string>([
  ErrorCode.Cancelled,
  ErrorCode.Timeout,
  ErrorCode.JobDataInvalid,
  ErrorCode.PermissionDenied,
  ErrorCode.ClaudeMissing,
  ErrorCode.ClaudeBadOutput,
  ErrorCode.LlmNoModel,
  ErrorCode.LlmBadAnswer,
  ErrorCode.ConfigInvalid,
  ErrorCode.Forbidden,
  ErrorCode.Usage,
]);

export function decideFailure(thrown: unknown): FailureDecision {
  const error = toCodedError(thrown);
  if (NEVER_RETRY.has(error.code)) return { error, retry: false };
  return { error, retry: error.retryable };
}
