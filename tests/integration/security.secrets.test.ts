// Secrets never reach logs or Slack: recognisable values for every secret, a
// full cycle of jobs that succeed and fail (LM Studio errors, a Claude API 401,
// a Slack 500), then every log line of every process and everything posted to
// Slack is searched for them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startRedisServer } from '@agentops/scripts';
import { reply, startAnthropicStandin } from '../support/llm/anthropic-standin.js';
import { makeClaudeHome, offlineClaudeEnv } from '../support/llm/claude-cli.js';
import { REPO_ROOT, startNode, waitFor, type RunningProcess } from '../support/processes.js';
import { releaseAfter } from '../support/release-after.js';
import { startSlackStack, type SlackStack } from '../support/slack-stack.js';

const SECRETS = {
  SLACK_BOT_TOKEN: 'xoxb-424242-SECRETBOTTOKEN-abcdef',
  SLACK_APP_TOKEN: 'xapp-1-A42-SECRETAPPTOKEN-abcdef',
  SLACK_SIGNING_SECRET: 'SIGNING-SECRET-0f0f0f0f0f',
  REDIS_PASSWORD: 'REDIS-PASSWORD-7e7e7e7e',
  BULLBOARD_PASSWORD: 'DASHBOARD-PASSWORD-9a9a9a',
  ANTHROPIC_API_KEY: 'sk-ant-api03-SECRETANTHROPICKEY-xyz',
};

function leaks(haystack: string): string[] {
  return Object.entries(SECRETS)
    .filter(([, value]) => haystack.includes(value) || haystack.includes(value.slice(0, 20)))
    .map(([name]) => name);
}

describe('secrets', () => {
  it('never appear in any log line or anything posted to Slack, through successes and failures', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'agentops-secrets-'));
    const workdir = mkdtempSync(path.join(tmpdir(), 'agentops-secrets-work-'));
    const home = makeClaudeHome();
    releaseAfter(
      () => rmSync(dir, { recursive: true, force: true }),
      () => rmSync(workdir, { recursive: true, force: true }),
      () => home.remove(),
    );
    const redis = await startRedisServer({ dir, appendOnly: true, password: SECRETS.REDIS_PASSWORD });
    releaseAfter(() => redis.stop());
    let chats = 0;
    const stack: SlackStack = await startSlackStack({
      sim: { botToken: SECRETS.SLACK_BOT_TOKEN, appToken: SECRETS.SLACK_APP_TOKEN },
      redis: { host: redis.host, port: redis.port, password: SECRETS.REDIS_PASSWORD },
      env: {
        SLACK_SIGNING_SECRET: SECRETS.SLACK_SIGNING_SECRET,
        BULLBOARD_USERNAME: 'ops',
        BULLBOARD_PASSWORD: SECRETS.BULLBOARD_PASSWORD,
        LOG_LEVEL: 'trace',
      },
      llm: {
        respond: (request) => {
          if (!request.path.endsWith('/chat/completions')) return undefined;
          chats += 1;
          // The router's fallback and the first local job fail; later calls answer.
          return chats <= 2
            ? { status: 500, body: { error: { message: `upstream failed with key ${SECRETS.ANTHROPIC_API_KEY}` } } }
            : { content: 'A fine summary.' };
        },
      },
    });
    releaseAfter(() => stack.close());
    const anthropic = await startAnthropicStandin({
      fallback: reply.error(401, 'authentication_error', `invalid x-api-key ${SECRETS.ANTHROPIC_API_KEY}`),
    });
    releaseAfter(() => anthropic.close());
    const workerEnv = {
      ...stack.env,
      LOG_LEVEL: 'trace',
      ...offlineClaudeEnv({ baseURL: anthropic.baseURL, home: home.home, apiKey: SECRETS.ANTHROPIC_API_KEY }),
      CLAUDE_BIN: path.join(REPO_ROOT, 'node_modules', '.bin', 'claude'),
      CODE_WORKDIR: workdir,
    };
    const workers: RunningProcess[] = ['local-worker', 'code-worker'].map((name) =>
      startNode(path.join(REPO_ROOT, 'workers', name, 'dist', 'worker.js'), workerEnv),
    );
    releaseAfter(...workers.map((worker) => () => worker.stop()));
    for (const worker of workers)
      await waitFor(() => /Started on queue/.test(worker.output()), 20_000, `a worker\n${worker.output()}`);

    stack.sim.failNext('chat.postMessage', { status: 500 });
    await stack.sim.sendSlashCommand({ text: 'add hello, something vague for you' });
    await stack.sim.sendSlashCommand({ text: 'add summarize the release notes' });
    await stack.sim.sendSlashCommand({ text: 'add fix the failing test in src/app.ts' });
    await stack.sim.sendSlashCommand({ text: 'status' });
    const jobs = await waitFor(
      async () => {
        const all = await stack.queues.manager.list(undefined, 50);
        return all.length === 3 && all.every((job) => job.status === 'completed' || job.status === 'failed')
          ? all
          : undefined;
      },
      60_000,
      'all three jobs to finish',
    );
    expect(jobs.some((job) => job.status === 'failed')).toBe(true);
    expect(jobs.some((job) => job.status === 'completed')).toBe(true);
    const code = jobs.find((job) => job.queue === 'code');
    expect(code?.failedReason).toMatch(/ANTHROPIC_API_KEY/);
    await waitFor(
      () => stack.sim.messages(stack.channel).some((message) => JSON.stringify(message).includes('ANTHROPIC_API_KEY')),
      10_000,
      'the code failure in its thread',
    );

    const logs = [stack.controller.output(), ...workers.map((worker) => worker.output())].join('\n');
    expect(logs.length).toBeGreaterThan(10_000);
    const posted = JSON.stringify([
      stack.sim.messages(stack.channel, { includeUsers: true }),
      stack.sim.ephemerals(),
      stack.sim.uploads(),
    ]);
    const failures = jobs.map((job) => job.failedReason ?? '').join('\n');
    expect(leaks(logs), 'secrets in logs').toEqual([]);
    expect(leaks(posted), 'secrets posted to Slack').toEqual([]);
    expect(leaks(failures), 'secrets in stored failure reasons').toEqual([]);
    expect(logs).toContain('[redacted]');
  }, 120_000);
});
