// Starts and stops a local redis-server: the test suite's private Redis, and the
// one `npm start` runs when nothing answers on REDIS_HOST:REDIS_PORT.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './free-port.js';

export interface RedisServerOptions {
  /** Folder for the AOF and RDB files. */
  dir: string;
  port?: number;
  host?: string;
  /** AOF with appendfsync everysec (what production should run). */
  appendOnly?: boolean;
  binary?: string;
  /** requirepass; PINGs during start-up authenticate with it. */
  password?: string;
}

export interface RedisServerHandle {
  host: string;
  port: number;
  dir: string;
  pid: number | undefined;
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Stops with SIGTERM (AOF flushed) and starts again on the same port and folder. */
  restart(downMs?: number): Promise<void>;
}

export const INSTALL_HINT =
  'redis-server was not found: install it (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis) or run docker compose up -d';

export function hasRedisServer(binary = 'redis-server'): boolean {
  const probe = spawnSync(binary, ['--version'], { stdio: 'ignore' });
  return probe.error === undefined && probe.status === 0;
}

/** True when something accepts TCP connections on host:port within `timeoutMs`. */
export function portAnswers(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function pingUntilReady(
  host: string,
  port: number,
  child: ChildProcess,
  timeoutMs: number,
  password?: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode} before answering`);
    if (await redisPing(host, port, password)) return;
    await sleep(50);
  }
  throw new Error(`redis-server did not answer PING on ${host}:${port} within ${timeoutMs} ms`);
}

/** Sends a raw PING (after AUTH when a password is set); true on +PONG. */
function redisPing(host: string, port: number, password?: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(500, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
    socket.once('connect', () => socket.write(password ? `AUTH ${password}\r\nPING\r\n` : 'PING\r\n'));
    let answer = '';
    socket.on('data', (data) => {
      answer += data.toString();
      if (!answer.includes('\r\n', password ? answer.indexOf('\r\n') + 2 : 0) && password) return;
      socket.destroy();
      resolve(answer.includes('+PONG'));
    });
  });
}

export async function startRedisServer(options: RedisServerOptions): Promise<RedisServerHandle> {
  const binary = options.binary ?? 'redis-server';
  if (!hasRedisServer(binary)) throw new Error(INSTALL_HINT);
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? (await freePort(host));
  mkdirSync(options.dir, { recursive: true });
  const args = [
    '--port',
    String(port),
    '--bind',
    host,
    '--dir',
    options.dir,
    '--save',
    '',
    '--maxmemory-policy',
    'noeviction',
    '--appendonly',
    options.appendOnly ? 'yes' : 'no',
    '--appendfsync',
    'everysec',
    '--daemonize',
    'no',
    '--loglevel',
    'warning',
    ...(options.password ? ['--requirepass', options.password] : []),
  ];
  let child: ChildProcess;
  const launch = async () => {
    child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.resume();
    await pingUntilReady(host, port, child, 10_000, options.password);
  };
  await launch();
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
  };
  return {
    host,
    port,
    dir: options.dir,
    get pid() {
      return child.pid;
    },
    stop,
    async restart(downMs = 0) {
      await stop('SIGTERM');
      if (downMs > 0) await sleep(downMs);
      await launch();
    },
  };
}
