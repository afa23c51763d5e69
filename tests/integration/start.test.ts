// `npm start`'s runner: starts its own redis-server when none answers, brings up
// the controller and the three workers, restarts a crashed one, and on Ctrl+C
// stops workers, then the controller, then Redis, leaving no process behind.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NODE_FLAGS, freePort } from '@agentops/scripts';
import { REPO_ROOT, startNode, waitFor, type RunningProcess } from '../support/processes.js';
import { uniquePrefix } from '../support/redis.js';
import { startSlackSimulator } from '../support/slack-sim/index.js';

const START = path.join(REPO_ROOT, 'scripts', 'dist', 'start.js');
const dirs: string[] = [];
let runner: RunningProcess | undefined;

afterAll(async () => {
  await runner?.stop('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function pidOf(output: string, name: string): number[] {
  return [...output.matchAll(new RegExp(`${name} started \\(pid (\\d+)\\)`, 'g'))].map((match) => Number(match[1]));
}

describe('npm start', () => {
  it('runs everything on its own Redis, restarts a crash, and stops in order leaving nothing behind', async () => {
    const data = mkdtempSync(path.join(tmpdir(), 'agentops-start-'));
    dirs.push(data);
    const [redisPort, httpPort, deadPort] = [await freePort(), await freePort(), await freePort()];
    runner = startNode(START, {
      AGENTOPS_ENV_FILE: '/dev/null',
      AGENTOPS_DATA_DIR: data,
      REDIS_HOST: '127.0.0.1',
      REDIS_PORT: String(redisPort),
      QUEUE_PREFIX: uniquePrefix('start'),
      PORT: String(httpPort),
      LM_STUDIO_URL: `http://127.0.0.1:${deadPort}/v1`,
      SHUTDOWN_GRACE_MS: '2000',
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
    });
    const output = () => runner!.output();
    await waitFor(
      () => output().includes(`Started redis-server on 127.0.0.1:${redisPort}`),
      20_000,
      `redis-server\n${output()}`,
    );
    for (const name of ['local', 'code', 'research']) {
      await waitFor(
        () => output().includes(`Started on queue \\"${name}\\"`) || output().includes(`Started on queue "${name}"`),
        30_000,
        `the ${name} worker\n${output().slice(-3000)}`,
      );
    }
    await waitFor(
      async () => (await fetch(`http://127.0.0.1:${httpPort}/ready`).catch(() => undefined))?.status === 200,
      20_000,
      `/ready\n${output().slice(-3000)}`,
    );
    expect(output()).toContain('Local mode: no Slack variables are set');
    // Without CODE_WORKDIR the code worker gets a sandbox of its own, not the checkout.
    expect(output()).toContain(`code-worker works in its own sandbox ${path.join(data, 'workspace')}`);
    expect(existsSync(path.join(data, 'redis'))).toBe(true);

    const [firstLocal] = pidOf(output(), 'local-worker');
    process.kill(firstLocal!, 'SIGKILL');
    await waitFor(
      () => output().includes('local-worker exited (SIGKILL); restarting in 5 s'),
      10_000,
      'the crash to be noticed',
    );
    await waitFor(() => pidOf(output(), 'local-worker').length === 2, 15_000, 'the restart');

    const pids = ['controller', 'local-worker', 'code-worker', 'research-worker'].map(
      (name) => pidOf(output(), name).at(-1)!,
    );
    for (const pid of pids) {
      // Every process runs with the V8 flags that keep its memory near its live heap.
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      expect(argv.slice(1, 1 + NODE_FLAGS.length)).toEqual([...NODE_FLAGS]);
    }
    runner.child.kill('SIGINT');
    const exit = await runner.exited;
    expect(exit.code).toBe(0);
    const text = output();
    const controllerStopped = text.indexOf('controller stopped in');
    for (const worker of ['local-worker', 'code-worker', 'research-worker']) {
      const stopped = text.indexOf(`${worker} stopped in`);
      expect(stopped, worker).toBeGreaterThan(-1);
      expect(stopped).toBeLessThan(controllerStopped);
    }
    expect(text.indexOf('redis-server stopped')).toBeGreaterThan(controllerStopped);
    expect(text).toContain('All stopped.');
    for (const pid of pids) expect(alive(pid), `pid ${pid}`).toBe(false);
    expect(await fetch(`http://127.0.0.1:${httpPort}/health`).catch(() => 'refused')).toBe('refused');
    expect(readdirSync(path.join(data, 'redis')).some((file) => file.startsWith('appendonly'))).toBe(true);
  }, 120_000);

  it('gives the Slack tokens to the controller only: workers start without them, even with a .env that has them', async () => {
    const sim = await startSlackSimulator();
    const data = mkdtempSync(path.join(tmpdir(), 'agentops-start-slack-'));
    dirs.push(data);
    // The tokens come from a .env file, as on a workstation, and from the environment.
    const envFile = path.join(data, '.env');
    writeFileSync(envFile, `SLACK_BOT_TOKEN=${sim.config.botToken}\nSLACK_APP_TOKEN=${sim.config.appToken}\n`);
    const [redisPort, httpPort] = [await freePort(), await freePort()];
    const run = startNode(START, {
      AGENTOPS_ENV_FILE: envFile,
      AGENTOPS_DATA_DIR: data,
      REDIS_HOST: '127.0.0.1',
      REDIS_PORT: String(redisPort),
      QUEUE_PREFIX: uniquePrefix('start-slack'),
      PORT: String(httpPort),
      SLACK_SIGNING_SECRET: 'sim-signing-secret',
      SLACK_CHANNEL_ID: sim.config.defaultChannelId,
      SLACK_API_URL: sim.apiUrl,
      SHUTDOWN_GRACE_MS: '1000',
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
    });
    try {
      const output = () => run.output();
      await waitFor(
        () => output().includes('Listening on channel'),
        30_000,
        `the controller\n${output().slice(-3000)}`,
      );
      for (const name of ['local', 'code', 'research'])
        await waitFor(
          () => output().includes(`queue \\"${name}\\"`) || output().includes(`queue "${name}"`),
          30_000,
          name,
        );
      const environ = (pid: number) => readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      const controller = pidOf(output(), 'controller').at(-1)!;
      expect(environ(controller)).toContain(`SLACK_BOT_TOKEN=${sim.config.botToken}`);
      for (const worker of ['local-worker', 'code-worker', 'research-worker']) {
        const vars = environ(pidOf(output(), worker).at(-1)!);
        expect(vars, worker).toContain('SLACK_BOT_TOKEN=');
        expect(vars.join('\n'), worker).not.toContain(sim.config.botToken);
        expect(vars.join('\n'), worker).not.toContain(sim.config.appToken);
      }
    } finally {
      run.child.kill('SIGINT');
      await run.exited;
      await sim.close();
    }
  }, 90_000);

  it('says exactly how to get Redis when none answers and redis-server is missing', async () => {
    const port = await freePort();
    const run = startNode(START, {
      AGENTOPS_ENV_FILE: '/dev/null',
      REDIS_HOST: '127.0.0.1',
      REDIS_PORT: String(port),
      PATH: '/nonexistent',
    });
    const exit = await run.exited;
    expect(exit.code).toBe(1);
    expect(run.output()).toMatch(
      /Redis does not answer at 127\.0\.0\.1:\d+, and redis-server was not found: install it .*docker compose up -d/,
    );
  }, 30_000);
});
