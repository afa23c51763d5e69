// The one module that talks to Qdrant (@qdrant/js-client-rest): makes sure the
// collection exists with the embedding model's vector size, upserts points and
// runs nearest-neighbour queries. Every failure becomes a MemoryError.
import { QdrantClient } from '@qdrant/js-client-rest';
import { MemoryError, MemoryErrorCode, qdrantUnavailable } from './errors.js';
import type { JobMemoryPayload } from './summary.js';

export interface ScoredPoint {
  id: string;
  score: number;
  payload: Partial<JobMemoryPayload>;
}

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
  const has = stored === undefined ? 'does not hold one unnamed vector per point' : `holds ${stored}-dimensional vectors`;
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
  const create = (dimensions: number) => guard(() => client.createCollection(name, { vectors: { size: dimensions, distance: 'Cosine' } }));

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
      if (!recreate) throw new MemoryError(MemoryErrorCode.DimensionMismatch, mismatchMessage(name, stored, dimensions));
      await guard(() => client.deleteCollection(name));
      await create(dimensions);
      return { created: true, recreated: true };
    },
    async upsert(id, vector, payload) {
      await guard(() => client.upsert(name, { wait: true, points: [{ id, vector, payload: { ...payload } }] }));
    },
    async query(vector, limit, threshold) {
      const result = await guard(() =>
        client.query(name, { query: vector, limit, with_payload: true, ...(threshold === undefined ? {} : { score_threshold: threshold }) }),
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
