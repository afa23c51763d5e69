// The failure digest in Redis: each digest as JSON under its own key (kept
// FAILURE_DIGEST's buttons' lifetime), the id of the one still collecting, and
// the feed's place in each queue's event stream. A batch of failures and the
// new places are written in one compare-and-set step, so after a crash the
// feed reads from where the digest ends: nothing is counted twice or lost.
// Clicks (Retry all, Discard) change a digest the same way.
import { KEY_TTL_SEC, redisKeys, type Redis } from '@agentops/core';
import type { Digest } from './groups.js';

/** Sets every key only if each one still holds what was read (`*`: not checked); ttl 0 keeps it forever. */
const COMPARE_AND_SET = `
local n = #KEYS
for i = 1, n do
  local expected = ARGV[(i - 1) * 3 + 1]
  if expected ~= '*' then
    local now = redis.call('GET', KEYS[i]) or ''
    if now ~= expected then return 0 end
  end
end
for i = 1, n do
  local value = ARGV[(i - 1) * 3 + 2]
  local ttl = tonumber(ARGV[(i - 1) * 3 + 3])
  if ttl > 0 then redis.call('SET', KEYS[i], value, 'EX', ttl) else redis.call('SET', KEYS[i], value) end
end
return 1
`;

export interface DigestRead {
  current?: Digest;
  /** What the keys held, for the compare-and-set. */
  raw: { pointer: string; digest: string };
}

export interface DigestWrite {
  read: DigestRead;
  /** Every digest the batch changed or opened; the last one becomes the current one. */
  digests: readonly Digest[];
  /** Cursor key to [value read, new value]. */
  cursors?: Record<string, [string, string]>;
}

export interface DigestStore {
  readCurrent(): Promise<DigestRead>;
  get(id: string): Promise<{ digest?: Digest; raw: string }>;
  /** false when something changed since the read: read again and redo. */
  commit(write: DigestWrite): Promise<boolean>;
  /** Replaces one digest if it still holds `raw`. */
  replace(digest: Digest, raw: string): Promise<boolean>;
}

function parse(raw: string | null): Digest | undefined {
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as Digest;
  } catch {
    return undefined;
  }
}

export function createDigestStore(redis: Redis, prefix: string): DigestStore {
  const keys = redisKeys(prefix);
  const ttl = String(KEY_TTL_SEC.failureDigest);
  const get = async (id: string) => {
    const raw = (await redis.get(keys.digest(id))) ?? '';
    const digest = parse(raw);
    return { raw, ...(digest ? { digest } : {}) };
  };
  return {
    async readCurrent() {
      const pointer = (await redis.get(keys.digestCurrent)) ?? '';
      if (!pointer) return { raw: { pointer, digest: '' } };
      const { digest, raw } = await get(pointer);
      return { raw: { pointer, digest: raw }, ...(digest ? { current: digest } : {}) };
    },
    get,
    async commit({ read, digests, cursors = {} }) {
      const last = digests[digests.length - 1];
      const entries: [key: string, expected: string, value: string, ttl: string][] = [];
      if (last) entries.push([keys.digestCurrent, read.raw.pointer, last.id, '0']);
      for (const digest of digests) {
        const expected = read.current && digest.id === read.current.id ? read.raw.digest : '*';
        entries.push([keys.digest(digest.id), expected, JSON.stringify(digest), ttl]);
      }
      for (const [key, [was, now]] of Object.entries(cursors)) entries.push([key, was, now, '0']);
      if (entries.length === 0) return true;
      const done = await redis.eval(
        COMPARE_AND_SET,
        entries.length,
        ...entries.map((entry) => entry[0]),
        ...entries.flatMap((entry) => [entry[1], entry[2], entry[3]]),
      );
      return done === 1;
    },
    async replace(digest, raw) {
      const done = await redis.eval(COMPARE_AND_SET, 1, keys.digest(digest.id), raw, JSON.stringify(digest), ttl);
      return done === 1;
    },
  };
}
