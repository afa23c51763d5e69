// What a test file needs to reach the suite's Redis in isolation.
import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { loadConfig, type Config } from '@agentops/core';

export function testRedisPort(): number {
  return inject('redisPort');
}

/** A unique BullMQ prefix, so test files never see each other's jobs. */
export function uniquePrefix(label = 'test'): string {
  return `${label}-${randomUUID().slice(0, 8)}`;
}

/** Environment for a process under test: the suite's Redis, no .env file, no Slack. */
export function testEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    AGENTOPS_ENV_FILE: '/dev/null',
    REDIS_HOST: '127.0.0.1',
    REDIS_PORT: String(testRedisPort()),
    QUEUE_PREFIX: uniquePrefix(),
    NODE_ENV: 'test',
    PORT: '0',
    // Never a developer's real Qdrant or LM Studio: tests that want them set their stand-ins.
    QDRANT_URL: 'http://127.0.0.1:9',
    LOG_FORMAT: 'json',
    ...extra,
  };
}

export function testConfig(extra: Record<string, string> = {}): Config {
  return loadConfig(testEnv(extra));
}
