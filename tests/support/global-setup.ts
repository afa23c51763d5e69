// Starts the suite's own redis-server on a free port in a temporary folder, and
// stops it afterwards. Test files get the port with inject('redisPort') and
// isolate themselves with their own QUEUE_PREFIX.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { hasRedisServer, INSTALL_HINT, startRedisServer, type RedisServerHandle } from '@agentops/scripts';

declare module 'vitest' {
  export interface ProvidedContext {
    redisPort: number;
  }
}

let server: RedisServerHandle | undefined;
let dir: string | undefined;

export async function setup(project: TestProject): Promise<void> {
  if (!hasRedisServer()) throw new Error(INSTALL_HINT);
  dir = mkdtempSync(path.join(tmpdir(), 'agentops-test-redis-'));
  server = await startRedisServer({ dir, appendOnly: false });
  project.provide('redisPort', server.port);
}

export async function teardown(): Promise<void> {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}
