// The one module that talks to Qdrant (@qdrant/js-client-rest): makes sure the
// collection exists with the embedding model's vector size, upserts points and
// runs nearest-neighbour queries. Every failure becomes a coded memory error.
import { QdrantClient } from '@qdrant/js-client-rest';
import { AgentOpsError, ErrorCode, isCodedError, systemErrorCode } from '@agentops/core';
import type { JobMemoryPayload, ScoredPoint } from './records.js';

export type { ScoredPoint } from './records.js';

export type EnsureResult = { created: boolean; recreated: boolean };

export interface JobCollection {
  readonly name: string;
  /** Creates the collection, or checks its vector size; recreates it on a mismatch when `recreate`. */
  ensure(dimensions: number, recreate: boolean): Promise<EnsureResult>;
  upsert(id: string, vector: number[], payload: JobMemoryPayload): Promise<void>;
  query(vector: number[], limit: number, threshold?: number): Promise<ScoredPoint[]>;
  /** False when the collection does not exist (yet). */
  exists(): Promise<boolean>;
}

export interface CollectionOptions {
  url: string;
  name: string;
  /** Per request; receipts bound their own wait separately. */
  timeoutMs?: number;
}

/** The vector size of a collection with one unnamed vector; undefined for named vectors. */
function vectorSize(info: unknown): number | undefined {
  const vectors = (info as { config?: { params?: { vectors?: unknown } } }).config?.params?.vectors;
  const size = (vectors as { size?: unknown } | undefined)?.size;
  return typeof size === 'number' ? size : undefined;
}

function isNotFound(error: unknown): boolean {
  return (error as { status?: unknown }).status === 404;
}

export function mismatchMessage(name: string, stored: number | undefined, model: number): string {
  const has =
    stored === undefined ? 'does not hold one unnamed vector per point' : `holds ${stored}-dimensional vectors`;
  return (
    `Collection ${name} ${has}, but the embedding model gives ${model} dimensions (the model changed?): ` +
    'set QDRANT_RECREATE=true and restart the controller to recreate it (its remembered jobs are deleted), ' +
    'or set QDRANT_COLLECTION to a new name, or load the previous embedding model'
  );
}

export function openCollection(options: CollectionOptions): JobCollection {
  // No version check: it prints to the console on its own and would run while Qdrant is down.
  const client = new QdrantClient({ url: options.url, timeout: options.timeoutMs ?? 5_000, checkCompatibility: false });
  const name = options.name;
  const guard = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw qdrantUnavailable(options.url, error);
    }
  };
  const create = (dimensions: number) =>
    guard(() => client.createCollection(name, { vectors: { size: dimensions, distance: 'Cosine' } }));

  return {
    name,
    async ensure(dimensions, recreate) {
      let info: unknown;
      try {
        info = await client.getCollection(name);
      } catch (error) {
        if (!isNotFound(error)) throw qdrantUnavailable(options.url, error);
        await create(dimensions);
        return { created: true, recreated: false };
      }
      const stored = vectorSize(info);
      if (stored === dimensions) return { created: false, recreated: false };
      if (!recreate)
        throw memoryError(ErrorCode.DimensionMismatch, mismatchMessage(name, stored, dimensions), undefined, {
          storedDimensions: stored,
          dimensions,
        });
      await guard(() => client.deleteCollection(name));
      await create(dimensions);
      return { created: true, recreated: true };
    },
    async upsert(id, vector, payload) {
      await guard(() => client.upsert(name, { wait: true, points: [{ id, vector, payload: { ...payload } }] }));
    },
    async query(vector, limit, threshold) {
      const result = await guard(() =>
        client.query(name, {
          query: vector,
          limit,
          with_payload: true,
          ...(threshold === undefined ? {} : { score_threshold: threshold }),
        }),
      );
      return result.points.map((point) => ({
        id: String(point.id),
        score: point.score,
        payload: (point.payload ?? {}) as Partial<JobMemoryPayload>,
      }));
    },
    async exists() {
      try {
        await client.getCollection(name);
        return true;
      } catch (error) {
        if (isNotFound(error)) return false;
        throw qdrantUnavailable(options.url, error);
      }
    },
  };
}
/**
 * The coded errors of the job memory (Qdrant unavailable, embedding failed,
 * dimension mismatch). They never leave the controller: a failure of Qdrant or
 * of the embedding model is logged and turns memory off, it is never shown in
 * Slack. Callers branch on `code`.
 */
export const MEMORY_ERROR_CODES = [
  ErrorCode.QdrantUnavailable,
  ErrorCode.EmbeddingFailed,
  ErrorCode.DimensionMismatch,
] as const;
export type MemoryErrorCode = (typeof MEMORY_ERROR_CODES)[number];
export type MemoryError = AgentOpsError & { code: MemoryErrorCode };

export function memoryError(
  code: MemoryErrorCode,
  message: string,
  cause?: unknown,
  details?: Record<string, unknown>,
): MemoryError {
  return new AgentOpsError(code, message, {
    ...(cause === undefined ? {} : { cause }),
    ...(details === undefined ? {} : { details }),
  }) as MemoryError;
}

export function isMemoryError(value: unknown, code?: MemoryErrorCode): value is MemoryError {
  if (!isCodedError(value)) return false;
  return code === undefined ? (MEMORY_ERROR_CODES as readonly string[]).includes(value.code) : value.code === code;
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
  return memoryError(
    ErrorCode.QdrantUnavailable,
    `Qdrant at ${url} failed (${reason}): start it (docker compose --profile memory up -d) or set QDRANT_URL`,
    error,
  );
}
