// Reads the repository's .env into process.env once, at process start.
// Real environment variables win; AGENTOPS_ENV_FILE points at another file.
// This is the one variable read before loadConfig, since it says where the
// rest come from; the schema declares it too, so it is checked and documented.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import dotenv from 'dotenv';

/** The repository root: core/dist/env-file.js lives two levels below it. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export function loadDotEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const file = env.AGENTOPS_ENV_FILE ?? path.join(REPO_ROOT, '.env');
  if (!existsSync(file)) return undefined;
  dotenv.config({ path: file, processEnv: env as Record<string, string>, override: false, quiet: true });
  return file;
}
