// Configuration: every environment variable AgentOps reads, compiled once by zod.
// No side effects: callers pass the environment and decide what to do on error.
import { tmpdir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { parseApiTokens, type ApiToken } from './api-tokens.js';
import { REPO_ROOT } from './env-file.js';
import { AgentOpsError, ErrorCode } from './errors.js';
import { MIN_WORKERS, type QueueName } from './queues.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const PERMISSION_MODES = ['default', 'acceptEdits', 'plan', 'dontAsk', 'bypassPermissions', 'auto'] as const;

/** Empty strings (`KEY=` in .env) mean "not set". */
const unset = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);
const str = () => z.preprocess(unset, z.string().trim());
const int = (min: number, max: number) =>
  z.preprocess(
    unset,
    z
      .string()
      .trim()
      .regex(/^\d+$/, { error: `must be a whole number from ${min} to ${max}` })
      .transform(Number)
      .pipe(
        z
          .number()
          .min(min, { error: `must be at least ${min}` })
          .max(max, { error: `must be at most ${max}` }),
      ),
  );
const decimal = (min: number) =>
  z.preprocess(
    unset,
    z
      .string()
      .trim()
      .regex(/^\d+(\.\d+)?$/, { error: 'must be a number such as 2.5' })
      .transform(Number)
      .pipe(z.number().min(min, { error: `must be at least ${min}` })),
  );
const httpUrl = () =>
  str().pipe(
    z.string().refine(
      (value) => {
        try {
          const url = new URL(value);
          return url.protocol === 'http:' || url.protocol === 'https:';
        } catch {
          return false;
        }
      },
      { error: 'must be an http:// or https:// URL' },
    ),
  );
const bool = () =>
  z.preprocess(
    unset,
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
      .transform((value) => value === 'true' || value === '1' || value === 'yes'),
  );
/** Whether `name` is a time zone this Node.js knows (Intl's IANA database). */
function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/**
 * Splits a list on commas and white space outside parentheses, so a tool
 * pattern such as `Bash(npm test)` stays one entry.
 */
export function splitList(value: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of value) {
    if (char === '(') depth += 1;
    if (char === ')') depth = Math.max(0, depth - 1);
    if (depth === 0 && (char === ',' || /\s/.test(char))) {
      if (current) items.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  if (current) items.push(current);
  return items;
}

const list = (item: RegExp, problem: string) =>
  z.preprocess(
    unset,
    z
      .string()
      .transform(splitList)
      .pipe(z.array(z.string().regex(item, { error: problem }))),
  );

/** Points in the intake and delivery where AGENTOPS_CRASH_AT kills the process (crash tests). */
export const CRASH_POINTS = [
  'intake:after-ack',
  'intake:after-inbox-write',
  'intake:after-plan',
  'intake:after-jobs',
  'intake:after-receipt',
  'delivery:after-post',
  'delivery:after-record',
] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];

/** One CODE_WORKSPACES entry: `<name>=<folder>`; names are what people type after `repo=`. */
export const WORKSPACE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$/;
const WORKSPACE_ENTRY = z
  .string()
  .refine(
    (entry) =>
      WORKSPACE_NAME.test(entry.slice(0, Math.max(0, entry.indexOf('=')))) && entry.indexOf('=') < entry.length - 1,
    {
      error: 'must list name=folder pairs such as api=/src/api,web=/src/web (names: letters, digits, . _ -, up to 40)',
    },
  );
/** Comma-separated only: folder paths may hold spaces. */
const splitCommas = (value: string): string[] =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);

/** A Slack user id (U…, W…) or user group id (S…). */
const USER_OR_GROUP = /^[UWS][A-Z0-9]{2,}$/;
const USER_OR_GROUP_PROBLEM =
  'must list Slack user ids such as U0123ABCD or user group ids such as S0123ABCD, separated by commas';

const SLACK_KEYS = ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_CHANNEL_ID', 'SLACK_APP_TOKEN'] as const;

const envSchema = z.object({
  SLACK_BOT_TOKEN: str()
    .pipe(z.string().startsWith('xoxb-', { error: 'must start with "xoxb-"' }))
    .optional(),
  SLACK_SIGNING_SECRET: str()
    .pipe(z.string().min(8, { error: 'is too short to be a signing secret' }))
    .optional(),
  SLACK_CHANNEL_ID: str()
    .pipe(z.string().regex(/^[CG][A-Z0-9]{2,}$/, { error: 'must be a channel id such as C0ABKSQ3TKQ (not a #name)' }))
    .optional(),
  SLACK_APP_TOKEN: str()
    .pipe(z.string().startsWith('xapp-', { error: 'must start with "xapp-"' }))
    .optional(),
  SLACK_API_URL: httpUrl().default('https://slack.com/api/'),
  SLACK_POST_PER_SEC: decimal(0.01).default(1),
  SLACK_POST_BURST: int(1, 1_000).default(20),
  SLACK_UPDATE_PER_MIN: int(1, 10_000).default(50),
  SLACK_UPDATE_BURST: int(1, 1_000).default(20),
  SLACK_CARD_EDIT_INTERVAL_MS: int(0, 600_000).default(3_000),
  SLACK_WORKING_NOTICE_MS: int(0, 600_000).default(1_500),
  SLACK_WAITING_REFRESH_MS: int(1_000, 3_600_000).default(60_000),
  REDIS_HOST: str().pipe(z.string().min(1)).default('localhost'),
  REDIS_PORT: int(1, 65535).default(6379),
  REDIS_PASSWORD: str().optional(),
  QUEUE_PREFIX: str()
    .pipe(
      z
        .string()
        .regex(/^[A-Za-z0-9_{}.-]+$/, { error: 'may only hold letters, digits, _ . - and a {hash tag}' })
        .max(64, { error: 'must be at most 64 characters' }),
    )
    .default('bull'),
  PORT: int(0, 65535).default(3000),
  HTTP_HOST: str().default('127.0.0.1'),
  LM_STUDIO_URL: httpUrl().default('http://localhost:1234/v1'),
  LM_STUDIO_MODEL: str().optional(),
  LM_STUDIO_EMBEDDING_MODEL: str().optional(),
  LM_STUDIO_API_KEY: str().optional(),
  ROUTER_LLM_TIMEOUT_MS: int(100, 60_000).default(8_000),
  QDRANT_URL: httpUrl().default('http://localhost:6333'),
  QDRANT_COLLECTION: str()
    .pipe(z.string().regex(/^[A-Za-z0-9_-]{1,255}$/, { error: 'may only hold letters, digits, _ and -' }))
    .default('agentops-jobs'),
  QDRANT_SIMILARITY_THRESHOLD: decimal(0)
    .pipe(z.number().max(1, { error: 'must be at most 1' }))
    .default(0.75),
  QDRANT_RECREATE: bool().default(false),
  QDRANT_RECEIPT_BUDGET_MS: int(0, 10_000).default(800),
  QDRANT_RETRY_MS: int(100, 3_600_000).default(30_000),
  NODE_ENV: z
    .preprocess(
      unset,
      z.enum(['development', 'production', 'test'], { error: 'must be development, production or test' }),
    )
    .default('development'),
  LOG_LEVEL: z.preprocess(unset, z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` })).optional(),
  LOG_FORMAT: z.preprocess(unset, z.enum(['json', 'pretty'], { error: 'must be json or pretty' })).optional(),
  ALLOWED_USERS: list(USER_OR_GROUP, USER_OR_GROUP_PROBLEM).default([]),
  CODE_ALLOWED_USERS: list(USER_OR_GROUP, USER_OR_GROUP_PROBLEM).default([]),
  ADMIN_USERS: list(USER_OR_GROUP, USER_OR_GROUP_PROBLEM).default([]),
  CLI_JOBS_VISIBLE: bool().default(false),
  AUDIT_DAYS: int(1, 3_650).default(90),
  DATABASE_URL: str()
    .pipe(
      z.string().regex(/^postgres(?:ql)?:\/\/\S+$/, {
        error: 'must be a PostgreSQL connection string such as postgres://user@host:5432/agentops',
      }),
    )
    .optional(),
  HISTORY_DAYS: int(1, 3_650).default(90),
  LOCAL_CONCURRENCY: int(MIN_WORKERS, 64).default(2),
  CODE_CONCURRENCY: int(MIN_WORKERS, 64).default(1),
  RESEARCH_CONCURRENCY: int(MIN_WORKERS, 64).default(1),
  LOCAL_TIMEOUT_MS: int(1_000, 24 * 3_600_000).default(5 * 60_000),
  CODE_TIMEOUT_MS: int(1_000, 24 * 3_600_000).default(30 * 60_000),
  RESEARCH_TIMEOUT_MS: int(1_000, 24 * 3_600_000).default(15 * 60_000),
  SHUTDOWN_GRACE_MS: int(0, 10 * 60_000).default(15_000),
  WORKER_LOCK_MS: int(1_000, 10 * 60_000).default(60_000),
  WORKER_STALLED_INTERVAL_MS: int(500, 10 * 60_000).default(30_000),
  CLAUDE_BIN: str().default('claude'),
  CODE_WORKDIR: str().optional(),
  CLAUDE_PERMISSION_MODE: z
    .preprocess(unset, z.enum(PERMISSION_MODES, { error: `must be one of ${PERMISSION_MODES.join(', ')}` }))
    .default('acceptEdits'),
  CLAUDE_ALLOWED_TOOLS: list(
    /^[A-Za-z][\w*():,./ -]*$/,
    'must list tool names such as Read,Edit,Bash(npm test)',
  ).default([]),
  CLAUDE_MAX_TURNS: int(1, 1_000).optional(),
  CLAUDE_MAX_BUDGET_USD: decimal(0.01).optional(),
  CLAUDE_MODEL: str().optional(),
  CLAUDE_RATE_LIMIT_WAIT_MS: int(1_000, 24 * 3_600_000).default(60_000),
  CODE_DAILY_BUDGET_USD: decimal(0.01).optional(),
  USER_DAILY_BUDGET_USD: decimal(0.01).optional(),
  RESEARCH_ENGINE: z
    .preprocess(unset, z.enum(['claude', 'local'], { error: 'must be claude or local' }))
    .default('claude'),
  RESEARCH_WORKDIR: str().optional(),
  CODE_WORKSPACES: z
    .preprocess(unset, z.string().transform(splitCommas).pipe(z.array(WORKSPACE_ENTRY)))
    .default([])
    .superRefine((entries, ctx) => {
      const seen = new Set<string>();
      for (const entry of entries) {
        const name = entry.split('=')[0] ?? '';
        if (seen.has(name.toLowerCase())) ctx.addIssue({ code: 'custom', message: `names workspace "${name}" twice` });
        seen.add(name.toLowerCase());
      }
    }),
  CODE_WORKTREES: bool().default(false),
  WORKTREE_DAYS: int(1, 365).default(7),
  CONVERSATION_DAYS: int(1, 365).default(14),
  LOCAL_HISTORY_BUDGET: int(0, 1_000_000).default(4_000),
  APPROVAL_TIMEOUT_MS: int(1_000, 24 * 3_600_000).default(10 * 60_000),
  SCHEDULE_TZ: str()
    .pipe(z.string().refine(isTimeZone, { error: 'must be an IANA time zone such as UTC or Europe/Berlin' }))
    .default('UTC'),
  SCHEDULE_MIN_INTERVAL_MS: int(1_000, 24 * 3_600_000).default(10_000),
  FAILURE_DIGEST_MS: int(1_000, 7 * 24 * 3_600_000).default(3_600_000),
  BULLBOARD_USERNAME: str().optional(),
  BULLBOARD_PASSWORD: str().optional(),
  BULLBOARD_READONLY: bool().default(true),
  API_TOKENS: z
    .preprocess(
      unset,
      z.string().transform((value, ctx) => {
        const parsed = parseApiTokens(value);
        if (parsed.ok) return parsed.tokens;
        ctx.addIssue({ code: 'custom', message: parsed.problem });
        return z.NEVER;
      }),
    )
    .default([]),
  API_RATE_PER_MIN: int(1, 100_000).default(60),
  API_RECEIPTS: bool().default(true),
  HOOKS_FILE: str().optional(),
  WEBHOOK_TOLERANCE_SEC: int(1, 86_400).default(300),
  WEBHOOK_MAX_BYTES: int(1_024, 26_214_400).default(1_048_576),
  CALLBACK_ATTEMPTS: int(1, 20).default(5),
  CALLBACK_BACKOFF_MS: int(10, 3_600_000).default(15_000),
  // Read by loadDotEnv before the configuration exists (it says where .env is); declared here so it is checked and documented.
  AGENTOPS_ENV_FILE: str().optional(),
  AGENTOPS_DATA_DIR: str().optional(),
  AGENTOPS_RUN_DIR: str().optional(),
  AGENTOPS_CRASH_AT: z
    .preprocess(
      unset,
      z
        .string()
        .transform(splitList)
        .pipe(z.array(z.enum(CRASH_POINTS, { error: `must list crash points from ${CRASH_POINTS.join(', ')}` }))),
    )
    .default([]),
});

type Env = z.infer<typeof envSchema>;

/** Every variable loadConfig reads (docs/configuration.md has a row for each). */
export const CONFIG_VARIABLES = Object.keys(envSchema.shape) as readonly (keyof Env)[];

/** How to fix each variable, shown after its problem. */
const FIXES: Partial<Record<keyof Env, string>> = {
  SLACK_BOT_TOKEN: 'copy the Bot User OAuth Token (xoxb-...) from your Slack app under OAuth & Permissions',
  SLACK_SIGNING_SECRET: 'copy the Signing Secret from your Slack app under Basic Information',
  SLACK_CHANNEL_ID: 'open the channel details in Slack and copy the Channel ID at the bottom',
  SLACK_APP_TOKEN: 'generate an app-level token with connections:write under Basic Information > App-Level Tokens',
  SLACK_API_URL: 'leave it unset to use https://slack.com/api/',
  SLACK_POST_PER_SEC: 'Slack allows about 1 chat.postMessage per second per channel; leave it at 1',
  SLACK_UPDATE_PER_MIN: 'chat.update is Slack Tier 3 (about 50 a minute); leave it at 50',
  DATABASE_URL: 'leave it unset for the embedded job history (SQLite in the data folder), or give a postgres:// URL',
  AGENTOPS_CRASH_AT: 'leave it unset; it exists for the crash tests',
  CODE_WORKSPACES: 'name each folder once, e.g. CODE_WORKSPACES=api=/src/api,web=/src/web',
  REDIS_PORT: 'set it to the port your Redis listens on (default 6379)',
  QUEUE_PREFIX: 'use a plain word such as bull, or a hash tag such as {agentops} for Redis Cluster',
  PORT: 'pick a free TCP port for the operations server (default 3000; 0 picks any free port)',
  LM_STUDIO_URL: 'use the address LM Studio shows under Developer > Server, e.g. http://localhost:1234/v1',
  QDRANT_URL: 'use the Qdrant REST address, e.g. http://localhost:6333',
  QDRANT_COLLECTION: 'leave it unset to use agentops-jobs',
  QDRANT_SIMILARITY_THRESHOLD: 'use a cosine similarity from 0 to 1, e.g. 0.75 (higher shows fewer, closer jobs)',
  QDRANT_RECEIPT_BUDGET_MS: 'the most a receipt may wait for similar jobs, in ms (default 800; 0 turns the lookup off)',
  QDRANT_RETRY_MS: 'how often to look for Qdrant again while it is away, in ms (default 30000)',
  CODE_WORKDIR: 'point it at an existing folder the code worker may change',
  RESEARCH_WORKDIR:
    'leave it unset for a fresh empty folder per research job, or point it at an existing folder research jobs may read',
  CLAUDE_PERMISSION_MODE: 'acceptEdits is the safe default; plan allows no changes at all',
  API_TOKENS: 'list name=scope:token entries, e.g. API_TOKENS=ci=write:<token>,dash=read:<token> (docs/api.md)',
  HOOKS_FILE: 'point it at the JSON file that declares the webhooks (docs/api.md#webhooks)',
};

/**
 * Every variable that holds a secret: never echoed in error messages, scrubbed
 * from every log line, stored failure reason and job result. `child: true`
 * marks those a Claude Code child process needs (the CLI's credentials, which
 * AgentOps itself never reads); the others are removed from its environment.
 */
export const SECRET_VARIABLES: Readonly<Record<string, { child: boolean }>> = {
  SLACK_BOT_TOKEN: { child: false },
  SLACK_SIGNING_SECRET: { child: false },
  SLACK_APP_TOKEN: { child: false },
  REDIS_PASSWORD: { child: false },
  // The job history's PostgreSQL connection string holds its password.
  DATABASE_URL: { child: false },
  BULLBOARD_PASSWORD: { child: false },
  LM_STUDIO_API_KEY: { child: false },
  ANTHROPIC_API_KEY: { child: true },
  // The CLI's other credentials: a gateway's bearer token, and the token of `claude setup-token`.
  ANTHROPIC_AUTH_TOKEN: { child: true },
  CLAUDE_CODE_OAUTH_TOKEN: { child: true },
  // The REST API's bearer tokens; each token in it is scrubbed by itself too.
  API_TOKENS: { child: false },
};
const SECRET_KEYS = new Set(Object.keys(SECRET_VARIABLES));

/**
 * Families of secret variables whose names are chosen by the operator: a
 * webhook's signing secret lives in a variable the hooks file names, and it
 * must be called HOOK_SECRET_<something>, so every process (workers too)
 * scrubs it and no Claude child inherits it without reading the hooks file.
 */
export const SECRET_VARIABLE_PATTERNS: readonly RegExp[] = [/^HOOK_SECRET_[A-Z0-9_]+$/];

/** Whether `name` is a declared secret or belongs to a secret family (SECRET_VARIABLE_PATTERNS). */
export function isSecretVariable(name: string): boolean {
  return SECRET_KEYS.has(name) || SECRET_VARIABLE_PATTERNS.some((pattern) => pattern.test(name));
}

export interface SlackConfig {
  botToken: string;
  signingSecret: string;
  channelId: string;
  appToken: string;
}

export interface WorkerSettings {
  concurrency: number;
  timeoutMs: number;
}

export interface Config {
  nodeEnv: 'development' | 'production' | 'test';
  logLevel: (typeof LOG_LEVELS)[number];
  logFormat: 'json' | 'pretty';
  redis: { host: string; port: number; password?: string; prefix: string };
  /** null means local mode: no Slack, the CLI and dashboard only. */
  slack: SlackConfig | null;
  slackApiUrl: string;
  /** How fast the delivery service may call Slack. */
  delivery: {
    /** chat.postMessage, per channel. */
    post: { perSecond: number; burst: number };
    /** chat.update, per app. */
    update: { perSecond: number; burst: number };
    /** Least time between two progress edits of one job card. */
    cardEditIntervalMs: number;
    /** How long a job runs before its card says "Working"; quicker jobs go straight to their outcome. */
    workingNoticeMs: number;
    /** How often the cards of the first waiting jobs get their place in line drawn again. */
    waitingRefreshMs: number;
  };
  /** Crash tests only: where the process kills itself. */
  crashAt: CrashPoint[];
  http: { host: string; port: number };
  lmStudio: { url: string; model?: string; embeddingModel?: string; apiKey?: string };
  router: { llmTimeoutMs: number };
  qdrant: {
    url: string;
    collection: string;
    /** Cosine similarity a past job needs to appear on a receipt. */
    similarityThreshold: number;
    /** Recreate the collection when its vector size does not match the embedding model. */
    recreate: boolean;
    /** Longest a receipt waits for its similar-jobs lookup. */
    receiptBudgetMs: number;
    /** Interval of the background check while memory is off. */
    retryMs: number;
  };
  /** Ids of users (U…, W…) and user groups (S…), as configured; groups are expanded by the controller. */
  access: {
    allowedUsers: string[];
    codeAllowedUsers: string[];
    adminUsers: string[];
    /** CLI_JOBS_VISIBLE: the text of jobs queued from the CLI is shown in Slack to everyone, not only admins. */
    cliJobsVisible: boolean;
    /** AUDIT_DAYS: how long the audit log keeps its records. */
    auditDays: number;
  };
  /** The job history: PostgreSQL at DATABASE_URL, else SQLite in paths.dataDir; rows kept HISTORY_DAYS. */
  history: { databaseUrl?: string; days: number };
  workers: Record<QueueName, WorkerSettings> & { shutdownGraceMs: number; lockMs: number; stalledIntervalMs: number };
  claude: {
    bin: string;
    workdir?: string;
    permissionMode: (typeof PERMISSION_MODES)[number];
    allowedTools: string[];
    maxTurns?: number;
    maxBudgetUsd?: number;
    model?: string;
    /** CLAUDE_RATE_LIMIT_WAIT_MS: how long a queue waits after a rate limit that does not say when it lifts. */
    rateLimitWaitMs: number;
  };
  researchEngine: 'claude' | 'local';
  /** RESEARCH_WORKDIR: the research worker's folder; unset, a fresh empty folder per job. Never CODE_WORKDIR by default. */
  researchWorkdir?: string;
  /** CODE_WORKSPACES: named folders code jobs may pick (`repo=<name>`), in the order configured; paths as written. */
  workspaces: { name: string; path: string }[];
  /** Daily Claude budgets (UTC days): the code queue's (CODE_DAILY_BUDGET_USD) and each person's (USER_DAILY_BUDGET_USD). */
  budgets: { codeDailyUsd?: number; userDailyUsd?: number };
  /** CODE_WORKTREES / WORKTREE_DAYS: a git worktree per code job in a git workspace, kept this many days. */
  worktrees: { enabled: boolean; days: number };
  /** A job thread's conversation (CONVERSATION_DAYS) and how much of it a local follow-up sends (LOCAL_HISTORY_BUDGET). */
  conversations: { days: number; localHistoryTokens: number };
  /** APPROVAL_TIMEOUT_MS: how long a tool use waits for Approve or Deny in the thread before it is denied. */
  approvals: { timeoutMs: number };
  /** Schedules: the time zone of new cron schedules (SCHEDULE_TZ) and the shortest `every` (SCHEDULE_MIN_INTERVAL_MS). */
  schedules: { timeZone: string; minIntervalMs: number };
  /** FAILURE_DIGEST_MS: the period of the failure digest, one channel message per period. */
  failureDigest: { periodMs: number };
  /** readOnly (BULLBOARD_READONLY): the dashboard shows the queues but changes nothing. */
  bullBoard: { username?: string; password?: string; readOnly: boolean };
  /** The REST API (API_TOKENS; off without tokens), its per-token rate (API_RATE_PER_MIN) and receipts (API_RECEIPTS). */
  api: { tokens: ApiToken[]; ratePerMin: number; receipts: boolean };
  /** Inbound webhooks: the hooks file (HOOKS_FILE; off without it), the timestamp window and the largest body. */
  webhooks: { file?: string; toleranceSec: number; maxBytes: number };
  /** Outbound callbacks of API jobs: attempts in all, and the first wait between them (tripled each time). */
  callbacks: { attempts: number; backoffMs: number };
  paths: {
    /** The .env file read at start, when one was named. */
    envFile?: string;
    /** Where npm start keeps the Redis it starts and the code worker's sandbox. */
    dataDir: string;
    /** Where workers note their Claude child processes, for the next worker to reap. */
    runDir: string;
  };
  /** Secret values present, so log output can be scrubbed of them. */
  secrets: string[];
}

function describeValue(key: string, env: Record<string, string | undefined>): string {
  const raw = env[key];
  if (raw === undefined) return `${key} (not set)`;
  if (SECRET_KEYS.has(key)) return `${key} (value hidden)`;
  const shown = raw.length > 60 ? `${raw.slice(0, 57)}...` : raw;
  return `${key}="${shown}"`;
}

/**
 * Reads and checks the environment. Throws an AgentOpsError (CONFIG_INVALID)
 * whose message names each bad variable, what is wrong and how to fix it.
 */
export interface LoadConfigOptions {
  /** Log level when LOG_LEVEL is unset (the CLI is quiet: warn). */
  defaultLogLevel?: (typeof LOG_LEVELS)[number];
}

export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  options: LoadConfigOptions = {},
): Config {
  // `KEY=` in .env means unset; zod's optional() would otherwise see "".
  const cleaned = Object.fromEntries(Object.entries(env).map(([key, value]) => [key, unset(value)]));
  const parsed = envSchema.safeParse(cleaned);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = String(issue.path[0] ?? 'environment');
      const fix = FIXES[key as keyof Env];
      problems.push(`${describeValue(key, env)}: ${issue.message}.${fix ? ` Fix: ${fix}.` : ''}`);
    }
  }
  const present = SLACK_KEYS.filter((key) => unset(env[key]) !== undefined);
  if (present.length > 0 && present.length < SLACK_KEYS.length) {
    const missing = SLACK_KEYS.filter((key) => !present.includes(key));
    problems.push(
      `Slack is half configured: ${present.join(', ')} set but ${missing.join(', ')} missing. ` +
        'Fix: set all four to run with Slack, or none to run in local mode (CLI and dashboard only).',
    );
  }
  if (!parsed.success || problems.length > 0) {
    throw new AgentOpsError(ErrorCode.ConfigInvalid, `Invalid configuration:\n  - ${problems.join('\n  - ')}`, {
      details: { problems },
    });
  }
  const e = parsed.data;
  const slack =
    e.SLACK_BOT_TOKEN && e.SLACK_SIGNING_SECRET && e.SLACK_CHANNEL_ID && e.SLACK_APP_TOKEN
      ? {
          botToken: e.SLACK_BOT_TOKEN,
          signingSecret: e.SLACK_SIGNING_SECRET,
          channelId: e.SLACK_CHANNEL_ID,
          appToken: e.SLACK_APP_TOKEN,
        }
      : null;
  const secretFamilies = Object.keys(env).filter((key) => isSecretVariable(key) && !SECRET_KEYS.has(key));
  const secrets = [...SECRET_KEYS, ...secretFamilies]
    .map((key) => unset(env[key]))
    .concat(e.API_TOKENS.map((entry) => entry.token))
    .filter((value): value is string => typeof value === 'string' && value.length >= 6);
  return {
    nodeEnv: e.NODE_ENV,
    logLevel: e.LOG_LEVEL ?? options.defaultLogLevel ?? (e.NODE_ENV === 'test' ? 'warn' : 'info'),
    logFormat: e.LOG_FORMAT ?? (e.NODE_ENV === 'production' ? 'json' : 'pretty'),
    redis: { host: e.REDIS_HOST, port: e.REDIS_PORT, password: e.REDIS_PASSWORD, prefix: e.QUEUE_PREFIX },
    slack,
    slackApiUrl: e.SLACK_API_URL.endsWith('/') ? e.SLACK_API_URL : `${e.SLACK_API_URL}/`,
    delivery: {
      post: { perSecond: e.SLACK_POST_PER_SEC, burst: e.SLACK_POST_BURST },
      update: { perSecond: e.SLACK_UPDATE_PER_MIN / 60, burst: e.SLACK_UPDATE_BURST },
      cardEditIntervalMs: e.SLACK_CARD_EDIT_INTERVAL_MS,
      workingNoticeMs: e.SLACK_WORKING_NOTICE_MS,
      waitingRefreshMs: e.SLACK_WAITING_REFRESH_MS,
    },
    crashAt: e.AGENTOPS_CRASH_AT,
    http: { host: e.HTTP_HOST, port: e.PORT },
    lmStudio: {
      url: e.LM_STUDIO_URL,
      model: e.LM_STUDIO_MODEL,
      embeddingModel: e.LM_STUDIO_EMBEDDING_MODEL,
      apiKey: e.LM_STUDIO_API_KEY,
    },
    router: { llmTimeoutMs: e.ROUTER_LLM_TIMEOUT_MS },
    qdrant: {
      url: e.QDRANT_URL,
      collection: e.QDRANT_COLLECTION,
      similarityThreshold: e.QDRANT_SIMILARITY_THRESHOLD,
      recreate: e.QDRANT_RECREATE,
      receiptBudgetMs: e.QDRANT_RECEIPT_BUDGET_MS,
      retryMs: e.QDRANT_RETRY_MS,
    },
    access: {
      allowedUsers: e.ALLOWED_USERS,
      codeAllowedUsers: e.CODE_ALLOWED_USERS,
      adminUsers: e.ADMIN_USERS,
      cliJobsVisible: e.CLI_JOBS_VISIBLE,
      auditDays: e.AUDIT_DAYS,
    },
    history: { ...(e.DATABASE_URL ? { databaseUrl: e.DATABASE_URL } : {}), days: e.HISTORY_DAYS },
    workers: {
      local: { concurrency: e.LOCAL_CONCURRENCY, timeoutMs: e.LOCAL_TIMEOUT_MS },
      code: { concurrency: e.CODE_CONCURRENCY, timeoutMs: e.CODE_TIMEOUT_MS },
      research: { concurrency: e.RESEARCH_CONCURRENCY, timeoutMs: e.RESEARCH_TIMEOUT_MS },
      shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
      lockMs: e.WORKER_LOCK_MS,
      stalledIntervalMs: e.WORKER_STALLED_INTERVAL_MS,
    },
    claude: {
      bin: e.CLAUDE_BIN,
      workdir: e.CODE_WORKDIR,
      permissionMode: e.CLAUDE_PERMISSION_MODE,
      allowedTools: e.CLAUDE_ALLOWED_TOOLS,
      maxTurns: e.CLAUDE_MAX_TURNS,
      maxBudgetUsd: e.CLAUDE_MAX_BUDGET_USD,
      model: e.CLAUDE_MODEL,
      rateLimitWaitMs: e.CLAUDE_RATE_LIMIT_WAIT_MS,
    },
    researchEngine: e.RESEARCH_ENGINE,
    researchWorkdir: e.RESEARCH_WORKDIR,
    workspaces: e.CODE_WORKSPACES.map((entry) => {
      const at = entry.indexOf('=');
      return { name: entry.slice(0, at), path: entry.slice(at + 1) };
    }),
    worktrees: { enabled: e.CODE_WORKTREES, days: e.WORKTREE_DAYS },
    budgets: {
      ...(e.CODE_DAILY_BUDGET_USD === undefined ? {} : { codeDailyUsd: e.CODE_DAILY_BUDGET_USD }),
      ...(e.USER_DAILY_BUDGET_USD === undefined ? {} : { userDailyUsd: e.USER_DAILY_BUDGET_USD }),
    },
    conversations: { days: e.CONVERSATION_DAYS, localHistoryTokens: e.LOCAL_HISTORY_BUDGET },
    approvals: { timeoutMs: e.APPROVAL_TIMEOUT_MS },
    schedules: { timeZone: e.SCHEDULE_TZ, minIntervalMs: e.SCHEDULE_MIN_INTERVAL_MS },
    failureDigest: { periodMs: e.FAILURE_DIGEST_MS },
    bullBoard: { username: e.BULLBOARD_USERNAME, password: e.BULLBOARD_PASSWORD, readOnly: e.BULLBOARD_READONLY },
    api: { tokens: e.API_TOKENS, ratePerMin: e.API_RATE_PER_MIN, receipts: e.API_RECEIPTS },
    webhooks: {
      ...(e.HOOKS_FILE ? { file: e.HOOKS_FILE } : {}),
      toleranceSec: e.WEBHOOK_TOLERANCE_SEC,
      maxBytes: e.WEBHOOK_MAX_BYTES,
    },
    callbacks: { attempts: e.CALLBACK_ATTEMPTS, backoffMs: e.CALLBACK_BACKOFF_MS },
    paths: {
      ...(e.AGENTOPS_ENV_FILE ? { envFile: e.AGENTOPS_ENV_FILE } : {}),
      dataDir: path.resolve(e.AGENTOPS_DATA_DIR ?? path.join(REPO_ROOT, 'data')),
      runDir: path.resolve(e.AGENTOPS_RUN_DIR ?? path.join(tmpdir(), 'agentops-run')),
    },
    secrets,
  };
}

/** One line saying which mode the process runs in. */
export function describeMode(config: Config): string {
  return config.slack
    ? `Slack mode: serving channel ${config.slack.channelId}`
    : 'Local mode: no Slack variables set; use the agentops CLI (and the dashboard) to manage jobs';
}
