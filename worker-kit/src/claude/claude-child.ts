// The Claude Code process of one run, started for the Agent SDK through its
// `spawnClaudeCodeProcess` hook. The SDK's own spawn would do, except for
// three things this module keeps: the child leads a process group of its own
// (detached), so a cancel can end it and every command its tools started at
// once (the SDK's close path waits ~2 s after stdin EOF before it kills, and
// kills only the CLI); the environment is filtered again here, whatever the
// SDK added; and stdout is also read here, so lines that are not stream-json
// (a CLAUDE_BIN that is some other program) are counted rather than dropped
// silently by the SDK. No shell: an argument array, as the SDK built it.
import { spawn, type ChildProcess } from 'node:child_process';
import type { SpawnedProcess, SpawnOptions } from '@anthropic-ai/claude-agent-sdk';
import { claudeChildEnv } from './env.js';
import { createLineSplitter, parseStreamLine } from './stream-json.js';

export interface ChildExit {
  exitCode?: number;
  signal?: string;
  /** Node's error code when the process could not be started (ENOENT, EACCES, ...). */
  spawnError?: string;
}

export interface ClaudeChild {
  /** The SDK's spawn hook; called once per run. */
  spawn(options: SpawnOptions): SpawnedProcess;
  /** Resolves when the child has exited or could not start; never rejects. */
  readonly exited: Promise<ChildExit>;
  /** Undefined until started, and when it could not be. */
  readonly pid: number | undefined;
  readonly started: boolean;
  /** The end of what it wrote to stderr. */
  stderrTail(): string;
}

/** Enough stderr for the last lines of a crash report; older output is dropped. */
const STDERR_KEEP_CHARS = 16_384;

export interface ClaudeChildOptions {
  /** Called with each stdout line that is not a stream-json event. */
  onInvalidLine(line: string): void;
  /** Called once the child runs, with its pid. */
  onStart?(pid: number): void;
}

export function createClaudeChild(options: ClaudeChildOptions): ClaudeChild {
  let child: ChildProcess | undefined;
  let stderr = '';
  let settle: (exit: ChildExit) => void = () => undefined;
  const exited = new Promise<ChildExit>((resolve) => {
    settle = resolve;
  });
  return {
    spawn(spawnOptions) {
      const started = spawn(spawnOptions.command, spawnOptions.args, {
        ...(spawnOptions.cwd ? { cwd: spawnOptions.cwd } : {}),
        env: claudeChildEnv(spawnOptions.env),
        detached: true,
        shell: false,
        windowsHide: true,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      child = started;
      started.once('error', (error: NodeJS.ErrnoException) => {
        if (started.pid === undefined) settle({ spawnError: error.code ?? 'unknown' });
      });
      // 'close', not 'exit': the last stdout line has been read by then.
      started.once('close', (code, signal) =>
        settle({
          ...(code === null ? {} : { exitCode: code }),
          ...(signal === null ? {} : { signal }),
        }),
      );
      // The SDK writes to stdin after the CLI may have gone; EPIPE there says nothing the exit does not.
      started.stdin?.on('error', () => undefined);
      const lines = createLineSplitter();
      const check = (line: string) => {
        if (!parseStreamLine(line)) options.onInvalidLine(line);
      };
      started.stdout?.setEncoding('utf8');
      started.stdout?.on('data', (chunk: string) => lines.push(chunk).forEach(check));
      started.stdout?.on('end', () => lines.flush().forEach(check));
      started.stderr?.setEncoding('utf8');
      started.stderr?.on('data', (chunk: string) => {
        stderr = (stderr + chunk).slice(-STDERR_KEEP_CHARS);
      });
      if (started.pid !== undefined) options.onStart?.(started.pid);
      return started as SpawnedProcess;
    },
    exited,
    get pid() {
      return child?.pid;
    },
    get started() {
      return child !== undefined;
    },
    stderrTail: () => stderr,
  };
}
