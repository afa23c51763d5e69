// A stand-in for Qdrant's REST API on loopback, serving exactly what the job
// memory's client (@qdrant/js-client-rest) calls: collection get/create/delete/
// exists, points upsert, and points query and search with cosine similarity
// computed for real. Answers have Qdrant's envelope ({ result, status, time })
// and its error shapes, so the real client parses them as it would Qdrant's.
import type { ServerResponse } from 'node:http';
import { isRecord } from './llm/json.js';
import { sendJson, startHttpStandin, waitWhileConnected, type RecordedRequest } from './llm/http-standin.js';

export interface StoredPoint {
  id: string | number;
  vector: number[];
  payload: Record<string, unknown>;
}

export interface StandinCollection {
  size: number;
  distance: string;
  points: Map<string, StoredPoint>;
}

export interface QdrantStandin {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  readonly port: number;
  readonly requests: readonly RecordedRequest[];
  collection(name: string): StandinCollection | undefined;
  /** Points of a collection, in insertion order. */
  points(name: string): StoredPoint[];
  /** How many times each point id was upserted. */
  upserts(name: string): Map<string, number>;
  /** Creates a collection directly, as an earlier run with another model would have. */
  seedCollection(name: string, size: number): void;
  /** Delays every answer to these paths (a regular expression on the path) by `ms`; undefined stops it. */
  setDelay(pattern: RegExp | undefined, ms?: number): void;
  /** Goes down (port kept) until start(). */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

function ok(res: ServerResponse, record: RecordedRequest, result: unknown): void {
  sendJson(res, record, 200, { result, status: 'ok', time: 0.0001 });
}

function error(res: ServerResponse, record: RecordedRequest, status: number, message: string): void {
  sendJson(res, record, status, { status: { error: message }, time: 0.0001 });
}

/** Cosine similarity, as Qdrant computes for `distance: Cosine`. */
export function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let index = 0; index < a.length; index += 1) {
    const x = a[index] ?? 0;
    const y = b[index] ?? 0;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

function isVector(value: unknown): value is number[] {
  return (
    Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === 'number' && Number.isFinite(item))
  );
}

function collectionInfo(collection: StandinCollection): unknown {
  return {
    status: 'green',
    optimizer_status: 'ok',
    indexed_vectors_count: 0,
    points_count: collection.points.size,
    segments_count: 1,
    config: {
      params: {
        vectors: { size: collection.size, distance: collection.distance },
        shard_number: 1,
        replication_factor: 1,
        write_consistency_factor: 1,
        on_disk_payload: true,
      },
      hnsw_config: { m: 16, ef_construct: 100, full_scan_threshold: 10_000, max_indexing_threads: 0, on_disk: false },
      optimizer_config: {
        deleted_threshold: 0.2,
        vacuum_min_vector_number: 1000,
        default_segment_number: 0,
        flush_interval_sec: 5,
      },
      wal_config: { wal_capacity_mb: 32, wal_segments_ahead: 0 },
    },
    payload_schema: {},
  };
}

export async function startQdrantStandin(options: { port?: number } = {}): Promise<QdrantStandin> {
  const collections = new Map<string, StandinCollection>();
  const upsertCounts = new Map<string, Map<string, number>>();
  let delay: { pattern: RegExp; ms: number } | undefined;

  const search = (collection: StandinCollection, body: Record<string, unknown>, vector: unknown) => {
    if (!isVector(vector)) return { problem: 'Wrong input: a query vector is required' };
    if (vector.length !== collection.size) {
      return { problem: `Wrong input: Vector dimension error: expected dim: ${collection.size}, got ${vector.length}` };
    }
    const limit = typeof body.limit === 'number' ? body.limit : 10;
    const threshold = typeof body.score_threshold === 'number' ? body.score_threshold : undefined;
    const withPayload = body.with_payload === true;
    const scored = [...collection.points.values()]
      .map((point) => ({ point, score: cosine(vector, point.vector) }))
      .filter(({ score }) => threshold === undefined || score >= threshold)
      .sort((a, b) => b.score - a.score)
      .slice(0, limit);
    return {
      hits: scored.map(({ point, score }) => ({
        id: point.id,
        version: 0,
        score,
        ...(withPayload ? { payload: point.payload } : {}),
      })),
    };
  };

  const http = await startHttpStandin(async ({ res, record }) => {
    if (delay?.pattern.test(record.path) && !(await waitWhileConnected(res, delay.ms))) return;
    const route = `${record.method} ${record.path}`;
    if (route === 'GET /') {
      sendJson(res, record, 200, { title: 'qdrant - vector search engine (stand-in)', version: '1.18.0' });
      return;
    }
    const match = /^\/collections\/([^/]+)(\/exists|\/points|\/points\/query|\/points\/search)?$/.exec(record.path);
    if (!match?.[1]) {
      error(res, record, 404, `Not found: ${route}`);
      return;
    }
    const name = decodeURIComponent(match[1]);
    const sub = match[2] ?? '';
    const collection = collections.get(name);
    const body = isRecord(record.body) ? record.body : {};
    const missing = () => error(res, record, 404, `Not found: Collection \`${name}\` doesn't exist!`);

    if (sub === '' && record.method === 'GET') {
      if (!collection) missing();
      else ok(res, record, collectionInfo(collection));
      return;
    }
    if (sub === '' && record.method === 'PUT') {
      if (collection) {
        error(res, record, 409, `Wrong input: Collection \`${name}\` already exists!`);
        return;
      }
      const vectors = isRecord(body.vectors) ? body.vectors : {};
      const size = vectors.size;
      if (typeof size !== 'number' || !Number.isInteger(size) || size < 1) {
        error(res, record, 422, 'Json deserialize error: vectors.size must be a positive integer');
        return;
      }
      collections.set(name, {
        size,
        distance: typeof vectors.distance === 'string' ? vectors.distance : 'Cosine',
        points: new Map(),
      });
      ok(res, record, true);
      return;
    }
    if (sub === '' && record.method === 'DELETE') {
      ok(res, record, collections.delete(name));
      upsertCounts.delete(name);
      return;
    }
    if (sub === '/exists' && record.method === 'GET') {
      ok(res, record, { exists: collection !== undefined });
      return;
    }
    if (!collection) {
      missing();
      return;
    }
    if (sub === '/points' && record.method === 'PUT') {
      const points = Array.isArray(body.points) ? body.points.filter(isRecord) : [];
      for (const point of points) {
        const id = point.id;
        const vector = point.vector;
        if ((typeof id !== 'string' && typeof id !== 'number') || !isVector(vector)) {
          error(res, record, 400, 'Wrong input: every point needs an id and a vector');
          return;
        }
        if (vector.length !== collection.size) {
          error(
            res,
            record,
            400,
            `Wrong input: Vector dimension error: expected dim: ${collection.size}, got ${vector.length}`,
          );
          return;
        }
      }
      const counts = upsertCounts.get(name) ?? new Map<string, number>();
      upsertCounts.set(name, counts);
      for (const point of points) {
        const id = point.id as string | number;
        collection.points.set(String(id), {
          id,
          vector: point.vector as number[],
          payload: isRecord(point.payload) ? point.payload : {},
        });
        counts.set(String(id), (counts.get(String(id)) ?? 0) + 1);
      }
      ok(res, record, {
        operation_id: record.receivedAt,
        status: record.query.wait === 'true' ? 'completed' : 'acknowledged',
      });
      return;
    }
    if (sub === '/points/query' && record.method === 'POST') {
      const found = search(collection, body, body.query);
      if (found.problem) error(res, record, 400, found.problem);
      else ok(res, record, { points: found.hits });
      return;
    }
    if (sub === '/points/search' && record.method === 'POST') {
      const found = search(collection, body, body.vector);
      if (found.problem) error(res, record, 400, found.problem);
      else ok(res, record, found.hits);
      return;
    }
    error(res, record, 404, `Not found: ${route}`);
  }, options.port);

  return {
    get url() {
      return http.origin;
    },
    get port() {
      return http.port;
    },
    requests: http.requests,
    collection: (name) => collections.get(name),
    points: (name) => [...(collections.get(name)?.points.values() ?? [])],
    upserts: (name) => new Map(upsertCounts.get(name) ?? []),
    seedCollection(name, size) {
      collections.set(name, { size, distance: 'Cosine', points: new Map() });
    },
    setDelay(pattern, ms = 0) {
      delay = pattern ? { pattern, ms } : undefined;
    },
    stop: () => http.stop(),
    start: () => http.start(),
    close: () => http.stop(),
  };
}
