// What every phase of a benchmark run shares: the run's settings, its Redis,
// the Slack simulator, the two LM Studio stand-ins, and the environment that
// AgentOps processes get (production logging: JSON at info level).
import type { Redis } from 'ioredis';
import type { RedisServerHandle } from '@agentops/scripts';
import type { SlackSimulator } from '../../support/slack-sim/index.js';
import type { OpenAIStandin } from '../../support/llm/openai-standin.js';
import type { Figure } from './report.js';

export interface BenchSettings {
  quick: boolean;
  /** Every LLM routing answer of the slow stand-in arrives after this long. */
  llmDelayMs: number;
  routerTimeoutMs: number;
}

export interface BenchContext {
  settings: BenchSettings;
  tmp: string;
  logDir: string;
  redis: RedisServerHandle;
  /** The benchmark's own connection, for INFO and checks. */
  client: Redis;
  sim: SlackSimulator;
  llmInstant: OpenAIStandin;
  llmDelayed: OpenAIStandin;
  /** Problems found while measuring (unacked envelopes, missing jobs...); printed and stored. */
  errors: string[];
}

export interface PhaseResult {
  figures: Figure[];
  details: Record<string, unknown>;
}

/** Environment of an AgentOps process: this run's Redis and prefix, no .env file, production logging. */
export function agentopsEnv(
  ctx: BenchContext,
  prefix: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    AGENTOPS_ENV_FILE: '/dev/null',
    REDIS_HOST: ctx.redis.host,
    REDIS_PORT: String(ctx.redis.port),
    QUEUE_PREFIX: prefix,
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    LOG_FORMAT: 'json',
    PORT: '0',
    ...extra,
  };
}

export const SIGNING_SECRET = 'bench-signing-secret-0123456789';

/** Slack settings pointing every Web API call and the Socket Mode connection at the simulator. */
export function slackEnv(sim: SlackSimulator): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: sim.config.botToken,
    SLACK_APP_TOKEN: sim.config.appToken,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_CHANNEL_ID: sim.config.defaultChannelId,
    SLACK_API_URL: sim.apiUrl,
  };
}

/** Compiled bench scripts, relative to the repository root. */
export const SCRIPTS = {
  controller: 'controller/dist/server.js',
  localWorker: 'workers/local-worker/dist/worker.js',
  researchWorker: 'workers/research-worker/dist/worker.js',
  instantWorker: 'tests/dist/bench/workers/instant-worker.js',
  runtimeWorker: 'tests/dist/bench/workers/runtime-worker.js',
  bareWorker: 'tests/dist/bench/workers/bare-worker.js',
  memoryProbe: 'tests/dist/bench/workers/memory-probe.js',
} as const;

export function bullKey(prefix: string, queue: string, jobId: string): string {
  return `${prefix}:${queue}:${jobId}`;
}
