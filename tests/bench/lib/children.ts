// The processes a benchmark run starts: each writes its output to its own log
// file (so logging costs the process what it costs in production, not a pipe
// into the benchmark), and the benchmark can read that file, talk to bench
// workers over IPC, and stop every process it started.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPO_ROOT } from './system.js';
import { NODE_FLAGS } from '@agentops/scripts';

export interface BenchProcess {
  name: string;
  pid: number;
  child: ChildProcess;
  logFile: string;
  output(): string;
  /** Sends an IPC message (bench workers only). */
  send(message: object): void;
  /** The next IPC message of `type`. */
  next<T extends { type: string }>(type: string, timeoutMs?: number): Promise<T>;
  /** Resolves once `fragment` appears in the log file. */
  waitForLog(fragment: string, timeoutMs?: number): Promise<void>;
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<void>;
  readonly exited: boolean;
}

export interface StartOptions {
  name: string;
  /** Path relative to the repository root, e.g. controller/dist/server.js. */
  script: string;
  env: Record<string, string>;
  logDir: string;
  ipc?: boolean;
  /** Run with the V8 flags AgentOps' launchers use (false for bare BullMQ workers). */
  agentops?: boolean;
}

const started: BenchProcess[] = [];

export function startProcess(options: StartOptions): BenchProcess {
  const logFile = path.join(options.logDir, `${options.name}.log`);
  const fd = openSync(logFile, 'a');
  // As npm start and the services do, unless BENCH_NODE_OPTIONS is trying other flags.
  const flags = options.agentops !== false && !process.env.BENCH_NODE_OPTIONS ? NODE_FLAGS : [];
  const child = spawn(process.execPath, [...flags, path.join(REPO_ROOT, options.script)], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...options.env },
    stdio: options.ipc ? ['ignore', fd, fd, 'ipc'] : ['ignore', fd, fd],
  });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`bench: could not start ${options.script}`);
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exit.then(() => {
    exited = true;
  });
  const inbox: { type: string }[] = [];
  const waiters: { type: string; resolve(message: { type: string }): void }[] = [];
  child.on('message', (message: { type: string }) => {
    const index = waiters.findIndex((waiter) => waiter.type === message.type);
    if (index >= 0) waiters.splice(index, 1)[0]?.resolve(message);
    else inbox.push(message);
  });
  const output = () => {
    try {
      return readFileSync(logFile, 'utf8');
    } catch {
      return '';
    }
  };
  const handle: BenchProcess = {
    name: options.name,
    pid: child.pid,
    child,
    logFile,
    output,
    get exited() {
      return exited;
    },
    send(message) {
      child.send(message);
    },
    next<T extends { type: string }>(type: string, timeoutMs = 120_000): Promise<T> {
      const queued = inbox.findIndex((message) => message.type === type);
      if (queued >= 0) return Promise.resolve(inbox.splice(queued, 1)[0] as T);
      return new Promise<T>((resolve, reject) => {
        const waiter = {
          type,
          resolve: (message: { type: string }) => {
            clearTimeout(timer);
            resolve(message as T);
          },
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`bench: ${options.name} sent no "${type}" within ${timeoutMs} ms; log: ${logFile}`));
        }, timeoutMs);
        waiters.push(waiter);
        void exit.then(() => {
          if (!waiters.includes(waiter)) return;
          clearTimeout(timer);
          reject(
            new Error(
              `bench: ${options.name} exited before sending "${type}"; log: ${logFile}\n${output().slice(-2_000)}`,
            ),
          );
        });
      });
    },
    async waitForLog(fragment, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (output().includes(fragment)) return;
        if (exited) break;
        await sleep(50);
      }
      throw new Error(
        `bench: ${options.name} did not log "${fragment}" within ${timeoutMs} ms; log: ${logFile}\n${output().slice(-2_000)}`,
      );
    },
    async stop(signal = 'SIGTERM', timeoutMs = 15_000) {
      if (exited) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exit;
      clearTimeout(timer);
    },
  };
  started.push(handle);
  return handle;
}

/** Stops every process this run started that is still running (on the way out, also after a failure). */
export async function stopAll(): Promise<void> {
  await Promise.all(started.filter((proc) => !proc.exited).map((proc) => proc.stop('SIGTERM', 8_000)));
}
