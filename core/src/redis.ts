// Redis connections. Producers (controller, CLI) fail fast when Redis is down so
// a person gets an answer; workers wait for Redis forever (BullMQ requires
// maxRetriesPerRequest: null for blocking commands).
import { Redis, type RedisOptions } from 'ioredis';
import { AgentOpsError, ErrorCode, systemErrorCode } from './errors.js';
import type { Config } from './config.js';

export type { Redis } from 'ioredis';
export type ConnectionRole = 'producer' | 'worker';

/**
 * ioredis options with the reconnect policy always set: narrower than ioredis'
 * own type (whose retryStrategy may be null), so BullMQ's connection type takes
 * it too.
 */
export type ConnectionSettings = RedisOptions & { retryStrategy: (times: number) => number };

export function redisOptions(config: Pick<Config, 'redis'>, role: ConnectionRole): ConnectionSettings {
  const base: ConnectionSettings = {
    host: config.redis.host,
    port: config.redis.port,
    password: config.redis.password,
    connectTimeout: 3_000,
    // Reconnect quickly at first, then every 2 s, for as long as the process lives.
    retryStrategy: (times) => Math.min(times * 200, 2_000),
    lazyConnect: true,
  };
  return role === 'producer'
    ? { ...base, enableOfflineQueue: false, maxRetriesPerRequest: 1 }
    : { ...base, enableOfflineQueue: true, maxRetriesPerRequest: null };
}

export function describeRedis(config: Pick<Config, 'redis'>): string {
  return `${config.redis.host}:${config.redis.port}`;
}

export function redisUnavailable(config: Pick<Config, 'redis'>, cause?: unknown): AgentOpsError {
  const reason = systemErrorCode(cause) ?? (cause instanceof Error ? cause.message : 'no answer');
  return new AgentOpsError(
    ErrorCode.RedisUnavailable,
    `Redis is not reachable at ${describeRedis(config)} (${reason}): start it (docker compose up -d, or your platform's redis-server) or set REDIS_HOST and REDIS_PORT`,
    { cause, retryable: true },
  );
}

export interface ConnectOptions {
  timeoutMs?: number;
  /** Give up at the first refused connection (a CLI), instead of retrying until the timeout. */
  failFast?: boolean;
}

/** A connection that is ready to use, or a REDIS_UNAVAILABLE error. */
export async function connectRedis(
  config: Pick<Config, 'redis'>,
  role: ConnectionRole,
  options: ConnectOptions = {},
): Promise<Redis> {
  const redis = new Redis(redisOptions(config, role));
  redis.on('error', () => {
    // Reported through waitForRedis and readiness checks; without a listener ioredis prints to stderr.
  });
  try {
    await waitForRedis(redis, config, options.timeoutMs ?? 3_000, options.failFast ?? false);
    return redis;
  } catch (error) {
    redis.disconnect();
    throw error;
  }
}

/** Resolves once `redis` is ready; rejects with REDIS_UNAVAILABLE after `timeoutMs`. */
export function waitForRedis(
  redis: Redis,
  config: Pick<Config, 'redis'>,
  timeoutMs: number,
  failFast = false,
): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    let lastError: unknown;
    const onError = (error: unknown) => {
      lastError = error;
      if (failFast) {
        cleanup();
        reject(redisUnavailable(config, error));
      }
    };
    const onReady = () => {
      cleanup();
      resolve();
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(redisUnavailable(config, lastError));
    }, timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      redis.off('error', onError);
    };
    redis.on('ready', onReady);
    redis.on('error', onError);
    if (redis.status === 'wait') redis.connect().catch(onError);
  });
}
