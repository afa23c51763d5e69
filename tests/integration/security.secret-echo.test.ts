// One test per secret. Every declared secret (SECRET_VARIABLES) gets a
// recognisable value, and every upstream that sees one echoes it back: LM
// Studio answers 401 repeating `Authorization: Bearer <key>`, the Anthropic API
// refuses a request repeating `x-api-key` and `Authorization`, a model repeats the
// environment its Bash printed, Slack answers an error that quotes the bot
// token, the dashboard is called with its password and a wrong one. Then each
// secret, in every form a line can hold it (as is, JSON-escaped,
// percent-encoded, its first characters), is looked for where it must never
// be: the stored failure reasons and results, everything sent to Slack (cards,
// threads, notices), the logs of the controller and the workers, and, for
// AgentOps' own secrets, the Claude child's environment. The Claude CLI's
// credentials (child: true) are passed to the child on purpose, so for them
// the test checks that they got there and went no further.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { SECRET_VARIABLES } from '@agentops/core';
import { startRedisServer } from '@agentops/scripts';
import { toolResults } from '../support/llm/anthropic-inspect.js';
import {
  credentialEcho,
  reply,
  startAnthropicStandin,
  type AnthropicStandin,
} from '../support/llm/anthropic-standin.js';
import { makeClaudeHome, offlineClaudeEnv } from '../support/llm/claude-cli.js';
import { unauthorizedEcho } from '../support/llm/openai-standin.js';
import { repliesByJob } from '../support/llm/replies-by-job.js';
import { REPO_ROOT, startNode, waitFor, type RunningProcess } from '../support/processes.js';
import { releaseAfter } from '../support/release-after.js';
import { startSlackStack, type SlackStack } from '../support/slack-stack.js';

/**
 * Values no token-shape rule knows (only the Slack tokens must keep their
 * prefixes), so only the declaration can hide them. Some hold characters a
 * JSON log line escapes or a URL encodes.
 */
const ECHO_SCHEMA = `secret_echo_${randomUUID().slice(0, 8)}`;
const SECRETS = {
  SLACK_BOT_TOKEN: 'xoxb-5150-SECRETBOTTOKEN-echoed',
  SLACK_APP_TOKEN: 'xapp-1-A5150-SECRETAPPTOKEN-echoed',
  SLACK_SIGNING_SECRET: 'signing-secret-echo-3c3c3c3c',
  REDIS_PASSWORD: 'redis-password-echo-1d1d1d1d',
  BULLBOARD_PASSWORD: 'board-password-echo@2e2e/2e#',
  LM_STUDIO_API_KEY: 'lm-studio-key-echo-4b4b"quoted\\4b',
  ANTHROPIC_API_KEY: 'anthropic-api-key-echo-5c5c5c5c',
  ANTHROPIC_AUTH_TOKEN: 'anthropic-auth-token-echo-6d6d6d',
  CLAUDE_CODE_OAUTH_TOKEN: 'claude-oauth-token-echo-7e7e7e7e',
  API_TOKENS: 'ci=write:api-token-echo-8f8f8f8f8f8f8f8f8f8f',
  // The local server trusts every loopback connection of a known role, so the password is carried, never checked;
  // the history gets a schema of its own, made and dropped by this file.
  DATABASE_URL: `postgres://postgres:db-password-echo-9a9a@127.0.0.1:5432/test?options=-c%20search_path%3D${ECHO_SCHEMA}`,
} as const;
const API_TOKEN = SECRETS.API_TOKENS.slice('ci=write:'.length);
type SecretName = keyof typeof SECRETS;

/** Each form a secret could take in output: as is, in a JSON string, in a URL, and its first characters. */
function formsOf(value: string): string[] {
  return [...new Set([value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value), value.slice(0, 16)])];
}
const holds = (haystack: string, value: string) => formsOf(value).some((form) => haystack.includes(form));

const JOBS = {
  /** Routed to local: LM Studio refuses the key and repeats it. */
  local: 'summarize the release notes',
  /** Code: Bash prints the environment, and the model repeats what it printed. */
  printsEnv: 'fix the failing test in src/app.ts',
  /** Code: the Anthropic API refuses the request and repeats the credentials it came with. */
  refused: 'refactor the parser in src/parse.ts',
};

let stack: SlackStack;
let anthropic: AnthropicStandin;
let workers: RunningProcess[];
let dashboard: { right: number; wrong: number };
/** The REST API's answer to a job posted with the token, and one with a wrong token. */
let api: { right: number; wrong: number };
/** Whether PostgreSQL answered on 127.0.0.1:5432 (DATABASE_URL is in play only then). */
let postgresUp = false;
/** Every place a secret must never reach, by name. */
let sinks: Record<string, string>;
/** What the Claude child saw: its printed environment and everything it sent to the API. */
let childSaw: string;

beforeAll(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'agentops-secret-echo-'));
  const workdir = mkdtempSync(path.join(tmpdir(), 'agentops-secret-echo-work-'));
  const home = makeClaudeHome();
  releaseAfter(
    () => rmSync(dir, { recursive: true, force: true }),
    () => rmSync(workdir, { recursive: true, force: true }),
    () => home.remove(),
  );
  const redis = await startRedisServer({ dir, password: SECRETS.REDIS_PASSWORD });
  releaseAfter(() => redis.stop());

  postgresUp = await new Promise<boolean>((resolve) => {
    const socket = connect(5432, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
  if (postgresUp) {
    const admin = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' });
    await admin.connect();
    await admin.query(`create schema ${ECHO_SCHEMA}`);
    await admin.end();
    releaseAfter(async () => {
      const client = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' });
      await client.connect();
      await client.query(`drop schema ${ECHO_SCHEMA} cascade`);
      await client.end();
    });
  }
  stack = await startSlackStack({
    sim: { botToken: SECRETS.SLACK_BOT_TOKEN, appToken: SECRETS.SLACK_APP_TOKEN },
    redis: { host: redis.host, port: redis.port, password: SECRETS.REDIS_PASSWORD },
    env: {
      SLACK_SIGNING_SECRET: SECRETS.SLACK_SIGNING_SECRET,
      BULLBOARD_USERNAME: 'ops',
      BULLBOARD_PASSWORD: SECRETS.BULLBOARD_PASSWORD,
      LM_STUDIO_API_KEY: SECRETS.LM_STUDIO_API_KEY,
      API_TOKENS: SECRETS.API_TOKENS,
      ...(postgresUp ? { DATABASE_URL: SECRETS.DATABASE_URL } : {}),
      LOG_LEVEL: 'trace',
    },
    // Every LM Studio call (the router's fallback, the local worker, embeddings) is refused with the key repeated.
    llm: { respond: unauthorizedEcho },
  });
  releaseAfter(() => stack.close());

  const scripts = repliesByJob();
  scripts.set(JOBS.printsEnv, (call, request) =>
    call === 1
      ? // Its own environment, and the CLI's (its parent): what AgentOps gave the Claude child.
        reply.toolUse({ name: 'Bash', input: { command: "env; echo ---; tr '\\0' '\\n' < /proc/$PPID/environ" } })
      : reply.text(
          `Here is what the environment holds:\n${toolResults(request.body)
            .map((r) => r.text)
            .join('\n')}`,
        ),
  );
  scripts.set(JOBS.refused, (_call, request) => credentialEcho(request, 400));
  anthropic = await startAnthropicStandin({ fallback: scripts.fallback });
  releaseAfter(() => anthropic.close());

  // A worker started by hand with the deployment's whole .env: every secret is in its environment.
  const workerEnv = {
    ...stack.env,
    LOG_LEVEL: 'trace',
    ...offlineClaudeEnv({ baseURL: anthropic.baseURL, home: home.home, apiKey: SECRETS.ANTHROPIC_API_KEY }),
    ANTHROPIC_AUTH_TOKEN: SECRETS.ANTHROPIC_AUTH_TOKEN,
    CLAUDE_CODE_OAUTH_TOKEN: SECRETS.CLAUDE_CODE_OAUTH_TOKEN,
    CLAUDE_BIN: path.join(REPO_ROOT, 'node_modules', '.bin', 'claude'),
    CLAUDE_ALLOWED_TOOLS: 'Bash',
    CODE_WORKDIR: workdir,
  };
  workers = ['local-worker', 'code-worker'].map((name) =>
    startNode(path.join(REPO_ROOT, 'workers', name, 'dist', 'worker.js'), workerEnv),
  );
  releaseAfter(...workers.map((worker) => () => worker.stop()));
  for (const worker of workers)
    await waitFor(() => /Started on queue/.test(worker.output()), 20_000, `a worker\n${worker.output()}`);

  // Slack refuses card edits with an error that quotes the token it was sent.
  stack.sim.failNext('chat.update', { error: `invalid_auth: token ${SECRETS.SLACK_BOT_TOKEN} is not valid` }, 2);
  await stack.sim.sendSlashCommand({ text: 'add hello, something vague for you' });
  for (const text of Object.values(JOBS)) await stack.sim.sendSlashCommand({ text: `add ${text}` });
  await stack.sim.sendSlashCommand({ text: 'status' });

  const [ops] = stack.logRecords({ ops: 'listening' });
  const board = `http://127.0.0.1:${String(ops?.port)}/admin/queues`;
  const basic = (password: string) => `Basic ${Buffer.from(`ops:${password}`).toString('base64')}`;
  dashboard = {
    right: (await fetch(board, { headers: { authorization: basic(SECRETS.BULLBOARD_PASSWORD) } })).status,
    wrong: (await fetch(board, { headers: { authorization: basic(`${SECRETS.BULLBOARD_PASSWORD}x`) } })).status,
  };

  const jobs = await waitFor(
    async () => {
      const all = await stack.queues.manager.list(undefined, 50);
      return all.length === 4 && all.every((job) => job.status === 'completed' || job.status === 'failed')
        ? all
        : undefined;
    },
    60_000,
    'all four jobs to finish',
  );
  // The REST API, called with the token and with a wrong one (whose refusal must not quote the right one).
  const postJob = (token: string) =>
    fetch(`http://127.0.0.1:${String(ops?.port)}/api/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'draft a note about the API', queue: 'local' }),
    }).then((response) => response.status);
  api = { right: await postJob(API_TOKEN), wrong: await postJob(`${API_TOKEN}x`) };
  const details = await Promise.all(jobs.map((job) => stack.queues.manager.inspect(job.id)));
  const byText = (text: string) => details.find((job) => job.data.text === text);
  expect(byText(JOBS.local)).toMatchObject({ queue: 'local', status: 'failed' });
  expect(byText(JOBS.printsEnv)).toMatchObject({ queue: 'code', status: 'completed' });
  expect(byText(JOBS.refused)).toMatchObject({ queue: 'code', status: 'failed' });
  expect(byText(JOBS.refused)?.failedReason).toMatch(/HTTP 400 \(.*request refused; it came with key=/);
  // The failure notices of the three failed jobs (the router's vague one included) reach their threads.
  await waitFor(
    () => stack.sim.messages(stack.channel).filter((message) => / failed/.test(message.text)).length >= 3,
    20_000,
    'the failure notices',
  );

  sinks = {
    'the stored failure reasons': details.map((job) => job.failedReason ?? '').join('\n'),
    'the stored results': JSON.stringify(details.map((job) => job.result ?? null)),
    // What AgentOps sent in every call (the token it authenticated with aside), and what Slack shows.
    'Slack (every call: cards, threads, notices, private answers)': JSON.stringify([
      stack.sim.calls().map((call) => call.args),
      stack.sim.messages(stack.channel, { includeUsers: true }),
      stack.sim.ephemerals(),
      stack.sim.uploads(),
    ]),
    "the controller's logs": stack.controller.output(),
    ...Object.fromEntries(
      workers.map((worker, index) => [`the ${['local', 'code'][index]} worker's logs`, worker.output()]),
    ),
  };
  childSaw = JSON.stringify(anthropic.messageRequests().map((request) => request.rawBody));
  expect(childSaw).toContain('CODE_WORKDIR=');
}, 180_000);

/** What the suite's private Redis answers a PING sent without the password. */
function answersWithoutPassword(): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(stack.env.REDIS_PORT), stack.env.REDIS_HOST);
    socket.once('error', reject);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (chunk) => {
      socket.destroy();
      resolve(chunk.toString());
    });
  });
}

interface SecretRow {
  name: SecretName;
  /** How the secret was put in front of an upstream that repeats it. */
  echoedBy: string;
  /** Proof that the secret really was in play (sent upstream, or required). */
  inPlay(): boolean | Promise<boolean>;
}

const ROWS: SecretRow[] = [
  {
    name: 'API_TOKENS',
    echoedBy: 'a REST API request made with it, one with a wrong token, and a Claude child given the whole .env',
    inPlay: () => api.right === 201 && api.wrong === 401,
  },
  {
    name: 'DATABASE_URL',
    echoedBy: 'the job history on PostgreSQL, and a Claude child given the whole .env',
    inPlay: () => stack.logRecords({ history: 'ready' }).some((record) => String(record.msg).includes('PostgreSQL')),
  },
  {
    name: 'SLACK_BOT_TOKEN',
    echoedBy: 'Slack answering chat.update with an error that quotes the token',
    inPlay: () =>
      stack.sim.calls('chat.update').some((call) => String(call.error).includes(SECRETS.SLACK_BOT_TOKEN)) &&
      stack.sim.calls().some((call) => call.token === SECRETS.SLACK_BOT_TOKEN),
  },
  {
    name: 'SLACK_APP_TOKEN',
    echoedBy: 'Socket Mode opening with it',
    inPlay: () => stack.sim.calls('apps.connections.open').some((call) => call.token === SECRETS.SLACK_APP_TOKEN),
  },
  {
    name: 'SLACK_SIGNING_SECRET',
    echoedBy: 'the controller holding it in Slack mode',
    inPlay: () => stack.controller.output().includes('Listening on channel'),
  },
  {
    name: 'REDIS_PASSWORD',
    echoedBy: 'a Redis that requires it',
    inPlay: () => answersWithoutPassword().then((answer) => answer.startsWith('-NOAUTH')),
  },
  {
    name: 'BULLBOARD_PASSWORD',
    echoedBy: 'the dashboard called with it and with a wrong one',
    inPlay: () => dashboard.right === 200 && dashboard.wrong === 401,
  },
  {
    name: 'LM_STUDIO_API_KEY',
    echoedBy: 'LM Studio answering 401 with `Authorization: Bearer <key>` in its error',
    inPlay: () =>
      stack.llm.requests.some((request) => request.headers.authorization === `Bearer ${SECRETS.LM_STUDIO_API_KEY}`),
  },
  {
    name: 'ANTHROPIC_API_KEY',
    echoedBy:
      'the Anthropic API refusing a request with the x-api-key in its error, and a model repeating the environment',
    inPlay: () => anthropic.requests.some((request) => request.headers['x-api-key'] === SECRETS.ANTHROPIC_API_KEY),
  },
  {
    name: 'ANTHROPIC_AUTH_TOKEN',
    echoedBy: 'a model repeating the environment its Bash printed',
    inPlay: () => childSaw.includes(SECRETS.ANTHROPIC_AUTH_TOKEN),
  },
  {
    name: 'CLAUDE_CODE_OAUTH_TOKEN',
    echoedBy: 'a model repeating the environment its Bash printed',
    inPlay: () => childSaw.includes(SECRETS.CLAUDE_CODE_OAUTH_TOKEN),
  },
];

describe('each secret, echoed back by an upstream', () => {
  it('has a row here for every declared secret', () => {
    expect(ROWS.map((row) => row.name).sort()).toEqual(Object.keys(SECRET_VARIABLES).sort());
  });

  it.for(ROWS)('$name ($echoedBy) reaches no failure reason, result, Slack post or log', async (row, { skip }) => {
    if (row.name === 'DATABASE_URL' && !postgresUp) skip('PostgreSQL does not answer on 127.0.0.1:5432');
    const value = SECRETS[row.name];
    expect(await row.inPlay(), `${row.name} was in play`).toBe(true);
    for (const [where, content] of Object.entries(sinks))
      expect(holds(content, value), `${row.name} in ${where}`).toBe(false);
    const child = SECRET_VARIABLES[row.name]?.child;
    // AgentOps' own secrets never reach the Claude child; the CLI's credentials must (and stop there).
    expect(holds(childSaw, value), `${row.name} in the Claude child's environment`).toBe(child === true);
  });

  it('redacted what it hid in the logs, the failure reasons and the results', () => {
    for (const [where, content] of Object.entries(sinks).filter(([where]) => where.endsWith('logs')))
      expect(content, where).toContain('[redacted]');
    expect(sinks['the stored failure reasons']).toContain('[redacted]');
    expect(sinks['the stored results']).toContain('[redacted]');
  });
});
