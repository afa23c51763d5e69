// `npm start`: makes sure Redis answers (starting a local redis-server with AOF
// under ./data/redis when it can), then runs the controller and the three
// workers with prefixed output, restarts a crashed one after 5 s, and on Ctrl+C
// stops the workers, then the controller, then the Redis it started.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { loadProcessConfig, Releasers, REPO_ROOT, toCodedError, type Config } from '@agentops/core';
import { INSTALL_HINT, hasRedisServer, portAnswers, startRedisServer, type RedisServerHandle } from './redis-server.js';
import { NODE_FLAGS } from './node-flags.js';
import { Supervisor, type ServiceSpec } from './supervisor.js';

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '::1']);

export const SERVICES = {
  controller: 'controller/dist/server.js',
  'local-worker': 'workers/local-worker/dist/worker.js',
  'code-worker': 'workers/code-worker/dist/worker.js',
  'research-worker': 'workers/research-worker/dist/worker.js',
} as const;

type ServiceName = keyof typeof SERVICES;

async function ensureRedis(config: Config, say: (line: string) => void): Promise<RedisServerHandle | undefined> {
  const { host, port } = config.redis;
  if (await portAnswers(host, port, 1_000)) {
    say(`Redis answers at ${host}:${port}`);
    return undefined;
  }
  if (!LOCAL_HOSTS.has(host)) {
    throw new Error(
      `Redis does not answer at ${host}:${port}. Start it there, or point REDIS_HOST and REDIS_PORT at a running Redis.`,
    );
  }
  if (!hasRedisServer()) {
    throw new Error(`Redis does not answer at ${host}:${port}, and ${INSTALL_HINT}.`);
  }
  const dir = path.join(config.paths.dataDir, 'redis');
  const server = await startRedisServer({
    dir,
    port,
    host: host === 'localhost' ? '127.0.0.1' : host,
    appendOnly: true,
  });
  say(`Started redis-server on ${server.host}:${server.port} (AOF, noeviction) with its data in ${dir}`);
  return server;
}

function localModeHelp(config: Config): string[] {
  const base = `http://${config.http.host}:${config.http.port}`;
  return [
    'Local mode: no Slack variables are set, so the CLI is your control panel:',
    '  npx agentops add "summarize today\'s news"   then   npx agentops status',
    `  Health: ${base}/ready   Metrics: ${base}/metrics   Dashboard: ${base}/admin/queues` +
      (config.bullBoard.username && config.bullBoard.password
        ? ''
        : ' (set BULLBOARD_USERNAME and BULLBOARD_PASSWORD)'),
    'Press Ctrl+C to stop everything.',
  ];
}

/** The Slack variables, emptied: an empty variable counts as unset. */
const NO_SLACK = {
  SLACK_BOT_TOKEN: '',
  SLACK_APP_TOKEN: '',
  SLACK_SIGNING_SECRET: '',
  SLACK_CHANNEL_ID: '',
};

async function main(): Promise<void> {
  // Same column as the supervisor's prefixed lines.
  const say = (line: string) =>
    process.stdout.write(
      `${'[start]'.padEnd(Math.max(...Object.keys(SERVICES).map((name) => name.length)) + 2)} ${line}\n`,
    );
  const config = loadProcessConfig();
  if (!config) return;
  const missing = Object.entries(SERVICES).filter(([, script]) => !existsSync(path.join(REPO_ROOT, script)));
  if (missing.length > 0) {
    process.stderr.write(
      `Not built: ${missing.map(([, script]) => script).join(', ')}. Run npm run build (npm start does it for you).\n`,
    );
    process.exit(1);
  }
  let redis: RedisServerHandle | undefined;
  try {
    redis = await ensureRedis(config, say);
  } catch (error) {
    process.stderr.write(`${toCodedError(error).message}\n`);
    process.exit(1);
  }
  const names: ServiceName[] = ['controller', 'local-worker', 'code-worker', 'research-worker'];
  // The code worker may only change an explicit folder. Without CODE_WORKDIR it
  // gets a sandbox of its own, never the checkout or the home folder.
  let workdir = config.claude.workdir;
  if (!workdir) {
    workdir = path.join(config.paths.dataDir, 'workspace');
    mkdirSync(workdir, { recursive: true });
    say(`code-worker works in its own sandbox ${workdir}; set CODE_WORKDIR to the repository it should change.`);
  }
  const workerGrace = config.workers.shutdownGraceMs + 10_000;
  const specs: ServiceSpec[] = names.map((name) => ({
    name,
    script: path.join(REPO_ROOT, SERVICES[name]),
    env: {
      ...process.env,
      // Only the controller talks to Slack. Set empty (not removed), so a worker's own read of .env cannot bring the tokens back.
      ...(name === 'controller' ? {} : NO_SLACK),
      CODE_WORKDIR: workdir,
      ...(redis ? { REDIS_HOST: redis.host, REDIS_PORT: String(redis.port) } : {}),
    },
    stopGraceMs: name === 'controller' ? 15_000 : workerGrace,
    nodeArgs: NODE_FLAGS,
  }));
  const supervisor = new Supervisor({ cwd: REPO_ROOT }, specs);
  // Stopped in reverse: the workers (they may still report to the controller's Redis), then the controller, then Redis.
  const releasers = new Releasers();
  if (redis) {
    const server = redis;
    releasers.add('redis-server', async () => {
      await server.stop();
      supervisor.log('redis-server stopped');
    });
  }
  releasers.add('controller', () => supervisor.stop([['controller']]));
  releasers.add('workers', () => supervisor.stop([names.filter((name) => name !== 'controller')]));
  for (const name of names) supervisor.start(name);
  if (!config.slack) for (const line of localModeHelp(config)) say(line);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    supervisor.log(`${signal} received: stopping workers, then the controller${redis ? ', then Redis' : ''}`);
    await releasers.releaseAll({
      onFailure: ({ name, error }) => supervisor.log(`${name} did not stop cleanly: ${toCodedError(error).message}`),
    });
    supervisor.log('All stopped.');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

await main();
