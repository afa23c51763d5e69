// What a test file needs to reach the suite's Redis in isolation.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import { loadConfig, type Config } from '@agentops/core';

export function testRedisPort(): number {
  return inject('redisPort');
}

/** A unique BullMQ prefix, so test files never see each other's jobs. */
export function uniquePrefix(label = 'test'): string {
  return `${label}-${randomUUID().slice(0, 8)}`;
}

let dataDir: string | undefined;
/** One data folder per test file (worktrees, research thread folders), never the repository's `data/`. */
function testDataDir(): string {
  if (!dataDir) {
    const made = mkdtempSync(path.join(tmpdir(), 'agentops-test-data-'));
    dataDir = made;
    process.once('exit', () => rmSync(made, { recursive: true, force: true }));
  }
  return dataDir;
}

/** Environment for a process under test: the suite's Redis, no .env file, no Slack, a data folder of its own. */
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
    AGENTOPS_DATA_DIR: testDataDir(),
    ...extra,
  };
}

export function testConfig(extra: Record<string, string> = {}): Config {
  return loadConfig(testEnv(extra));
}
