// How every AgentOps process reads its configuration at start: .env as a
// fallback, then the checked configuration. A bad value is the operator's to
// fix and the coded message says what and how, so it is printed alone (no
// stack trace) and the process exits 1.
import { loadConfig, type Config } from './config.js';
import { loadDotEnv } from './env-file.js';
import { toCodedError } from './errors.js';

export function loadProcessConfig(env: NodeJS.ProcessEnv = process.env): Config | undefined {
  loadDotEnv(env);
  try {
    return loadConfig(env);
  } catch (error) {
    process.stderr.write(`${toCodedError(error).message}\n`);
    // Let the process end on its own so stderr is flushed.
    process.exitCode = 1;
    return undefined;
  }
}
