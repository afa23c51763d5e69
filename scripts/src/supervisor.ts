// Runs AgentOps' processes side by side for `npm start`: prefixed output, a
// restart 5 s after a crash, and an ordered stop (groups one after another, each
// process with its own grace before SIGKILL). Children get their own process
// group, so a terminal's Ctrl+C reaches only the supervisor, which decides the order.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface ServiceSpec {
  name: string;
  /** Node script to run. */
  script: string;
  env: NodeJS.ProcessEnv;
  /** How long the process may take to stop after SIGINT before it is killed. */
  stopGraceMs: number;
  /** Node/V8 flags placed before the script. */
  nodeArgs?: readonly string[];
}

export interface SupervisorOptions {
  restartDelayMs?: number;
  cwd: string;
  write?: (line: string) => void;
}

interface Running {
  spec: ServiceSpec;
  child?: ChildProcess;
  restartTimer?: NodeJS.Timeout;
  stopping: boolean;
}

const COLORS = [36, 35, 33, 32, 34, 31];

export class Supervisor {
  private readonly services = new Map<string, Running>();
  private readonly restartDelayMs: number;
  private readonly write: (line: string) => void;
  private readonly width: number;

  constructor(
    private readonly options: SupervisorOptions,
    specs: ServiceSpec[],
  ) {
    this.restartDelayMs = options.restartDelayMs ?? 5_000;
    this.write = options.write ?? ((line) => process.stdout.write(`${line}\n`));
    this.width = Math.max(5, ...specs.map((spec) => spec.name.length));
    for (const spec of specs) this.services.set(spec.name, { spec, stopping: false });
  }

  private prefix(name: string): string {
    const index = [...this.services.keys()].indexOf(name);
    const label = `[${name}]`.padEnd(this.width + 2);
    return process.stdout.isTTY ? `\u001b[${COLORS[index % COLORS.length]}m${label}\u001b[0m` : label;
  }

  log(message: string): void {
    this.write(`${'[start]'.padEnd(this.width + 2)} ${message}`);
  }

  pid(name: string): number | undefined {
    return this.services.get(name)?.child?.pid;
  }

  start(name: string): void {
    const service = this.services.get(name);
    if (!service || service.stopping) return;
    const child = spawn(process.execPath, [...(service.spec.nodeArgs ?? []), service.spec.script], {
      cwd: this.options.cwd,
      env: service.spec.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    service.child = child;
    for (const stream of [child.stdout, child.stderr]) {
      if (stream) createInterface({ input: stream }).on('line', (line) => this.write(`${this.prefix(name)} ${line}`));
    }
    this.log(`${name} started (pid ${child.pid})`);
    child.once('error', (error) => this.log(`${name} could not start: ${error.message}`));
    child.once('exit', (code, signal) => {
      if (service.child === child) service.child = undefined;
      if (service.stopping) return;
      this.log(
        `${name} exited (${signal ?? `code ${code}`}); restarting in ${Math.round(this.restartDelayMs / 1_000)} s`,
      );
      service.restartTimer = setTimeout(() => {
        service.restartTimer = undefined;
        this.start(name);
      }, this.restartDelayMs);
    });
  }

  private stopOne(name: string): Promise<void> {
    const service = this.services.get(name);
    if (!service) return Promise.resolve();
    service.stopping = true;
    if (service.restartTimer) clearTimeout(service.restartTimer);
    const child = service.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const started = Date.now();
      const kill = setTimeout(() => {
        this.log(`${name} did not stop within ${service.spec.stopGraceMs} ms; killing it`);
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      }, service.spec.stopGraceMs);
      child.once('exit', (code, signal) => {
        clearTimeout(kill);
        this.log(`${name} stopped in ${Date.now() - started} ms (${signal ?? `code ${code}`})`);
        resolve();
      });
      // SIGINT is what NSSM's Ctrl+C and a terminal send; every AgentOps process handles it.
      child.kill('SIGINT');
    });
  }

  /** Stops the groups in order; the processes of one group stop together. */
  async stop(groups: string[][]): Promise<void> {
    for (const group of groups) await Promise.all(group.map((name) => this.stopOne(name)));
  }
}
