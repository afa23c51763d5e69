// Coded errors. Errors cross process and Redis boundaries as plain objects, so
// callers branch on `code`, never on `instanceof`. Retryability is data.

export const ErrorCode = {
  ConfigInvalid: 'CONFIG_INVALID',
  Usage: 'USAGE',
  RedisUnavailable: 'REDIS_UNAVAILABLE',
  JobNotFound: 'JOB_NOT_FOUND',
  JobFinished: 'JOB_FINISHED',
  JobInvalidState: 'JOB_INVALID_STATE',
  JobDataInvalid: 'JOB_DATA_INVALID',
  /** A second cancel of a job someone has just cancelled. */
  JobAlreadyCancelled: 'JOB_ALREADY_CANCELLED',
  /** A second retry of a job someone has just retried. */
  JobAlreadyRetried: 'JOB_ALREADY_RETRIED',
  /** Someone else is changing the job right now (its control lock stayed taken). */
  JobBusy: 'JOB_BUSY',
  LlmUnavailable: 'LLM_UNAVAILABLE',
  LlmBadAnswer: 'LLM_BAD_ANSWER',
  LlmNoModel: 'LLM_NO_MODEL',
  Timeout: 'TIMEOUT',
  Cancelled: 'CANCELLED',
  ClaudeMissing: 'CLAUDE_MISSING',
  ClaudeFailed: 'CLAUDE_FAILED',
  ClaudeBadOutput: 'CLAUDE_BAD_OUTPUT',
  PermissionDenied: 'PERMISSION_DENIED',
  /** Claude's usage or rate limit, or an overloaded API: the job waits for the reset without using an attempt. */
  UsageLimited: 'USAGE_LIMITED',
  Forbidden: 'FORBIDDEN',
  SlackFailed: 'SLACK_FAILED',
  /** Job memory: Qdrant did not answer or answered with an error. */
  QdrantUnavailable: 'QDRANT_UNAVAILABLE',
  /** Job memory: LM Studio could not turn text into a vector. */
  EmbeddingFailed: 'EMBEDDING_FAILED',
  /** Job memory: the collection's vectors have another size than the embedding model's. */
  DimensionMismatch: 'DIMENSION_MISMATCH',
  /** No schedule has that id (never made, or removed). */
  ScheduleNotFound: 'SCHEDULE_NOT_FOUND',
  /** A bulk retry or cancel's Confirm came too late, twice, or from someone else. */
  ConfirmationExpired: 'CONFIRMATION_EXPIRED',
  /** The job history (SQLite or PostgreSQL) is not set up, not reachable, or not written yet. */
  HistoryUnavailable: 'HISTORY_UNAVAILABLE',
  Internal: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface CodedErrorOptions {
  cause?: unknown;
  /** Whether doing the same thing again later may succeed. */
  retryable?: boolean;
  /** Extra structured facts for logs and callers (never secrets). */
  details?: Record<string, unknown>;
}

export class AgentOpsError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: CodedErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AgentOpsError';
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.details = options.details ?? {};
  }

  toJSON(): { name: string; code: ErrorCode; message: string; retryable: boolean; details: Record<string, unknown> } {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      details: this.details,
    };
  }
}

export function isCodedError(value: unknown, code?: ErrorCode): value is AgentOpsError {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as { code?: unknown; name?: unknown };
  if (candidate.name !== 'AgentOpsError' || typeof candidate.code !== 'string') return false;
  return code === undefined || candidate.code === code;
}

/** Turns anything thrown into an AgentOpsError, keeping the original as `cause`. */
export function toCodedError(value: unknown, fallback: ErrorCode = ErrorCode.Internal): AgentOpsError {
  if (value instanceof AgentOpsError) return value;
  if (isCodedError(value)) {
    const plain = value as unknown as {
      code: ErrorCode;
      message?: string;
      retryable?: boolean;
      details?: Record<string, unknown>;
    };
    return new AgentOpsError(plain.code, plain.message ?? plain.code, {
      retryable: plain.retryable ?? false,
      details: plain.details ?? {},
    });
  }
  if (value instanceof Error) return new AgentOpsError(fallback, value.message, { cause: value });
  return new AgentOpsError(fallback, typeof value === 'string' ? value : 'Unknown error', { cause: value });
}

/** A short reason for a node/system error, e.g. "ECONNREFUSED". */
export function systemErrorCode(value: unknown): string | undefined {
  let current: unknown = value;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
