// Coded errors of the job memory. They never leave the controller: a failure of
// Qdrant or of the embedding model is logged and turns memory off, it is never
// shown in Slack. Callers branch on `code`.
import { systemErrorCode } from '@agentops/shared';

export const MemoryErrorCode = {
  /** Qdrant did not answer or answered with an error. */
  QdrantUnavailable: 'QDRANT_UNAVAILABLE',
  /** LM Studio could not turn text into a vector. */
  EmbeddingFailed: 'EMBEDDING_FAILED',
  /** The collection's vectors have another size than the embedding model's. */
  DimensionMismatch: 'DIMENSION_MISMATCH',
} as const;
export type MemoryErrorCode = (typeof MemoryErrorCode)[keyof typeof MemoryErrorCode];

export class MemoryError extends Error {
  readonly code: MemoryErrorCode;

  constructor(code: MemoryErrorCode, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'MemoryError';
    this.code = code;
  }
}

export function isMemoryError(value: unknown, code?: MemoryErrorCode): value is MemoryError {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as { name?: unknown; code?: unknown };
  return candidate.name === 'MemoryError' && typeof candidate.code === 'string' && (code === undefined || candidate.code === code);
}

/** What went wrong talking to Qdrant, with what to do about it. */
export function qdrantUnavailable(url: string, error: unknown): MemoryError {
  if (isMemoryError(error)) return error;
  const status = (error as { status?: unknown }).status;
  const data = (error as { data?: { status?: { error?: unknown } } }).data;
  const detail = typeof data?.status?.error === 'string' ? data.status.error : undefined;
  const reason =
    typeof status === 'number'
      ? `HTTP ${status}${detail ? `: ${detail}` : ''}`
      : (systemErrorCode(error) ?? (error instanceof Error ? `${error.name}: ${error.message}` : String(error)));
  return new MemoryError(
    MemoryErrorCode.QdrantUnavailable,
    `Qdrant at ${url} failed (${reason}): start it (docker compose --profile memory up -d) or set QDRANT_URL`,
    error,
  );
}
