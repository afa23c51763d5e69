// The one place AgentOps starts the Claude Code CLI. Both the code and the
// research worker run Claude through `runClaude`; they differ only in flags.
//
// The child: no shell, an argument array, the job text on stdin (see
// args.ts), the working folder as cwd (the CLI has no --cwd), its own process
// group, and this process's environment minus AgentOps' secrets. Its stdout
// is read line by line as it comes, for live progress; the `result` event
// decides the outcome (outcome.ts). The runtime's AbortSignal (cancel, time
// limit, shutdown) ends the child's whole tree (process-group.ts).
//
// Windows: Node cannot start a `.cmd` shim without a shell (EINVAL), and a
// shell is what this module must never use, so CLAUDE_BIN has to name
// claude.exe itself (the native installer's, or npm's
// node_modules/@anthropic-ai/claude-code/bin/claude.exe).
import { stat } from 'node:fs/promises';
import { execa } from 'execa';
import {
  AgentOpsError,
  ErrorCode,
  scrubSecretsDeep,
  type JobResult,
  type Logger,
  type ProgressUpdate,
} from '@agentops/core';
import { buildClaudeArgs, promptForStdin, resolveClaudeBin, type ClaudeFlags } from './args.js';
import { claudeChildEnv } from './env.js';
import { decideOutcome } from './outcome.js';
import { endLeftovers, endProcessTree, trackChild } from './process-group.js';
import { applyEvent, createRunState, noteInvalidLine } from './run-state.js';
import { createLineSplitter, parseStreamLine } from './stream-json.js';
import type { WorkdirVariable } from './workdir.js';

export interface RunClaudeOptions extends ClaudeFlags {
  /** CLAUDE_BIN: a command on PATH or a path to the executable. */
  bin: string;
  /** The working folder; must exist. */
  cwd: string;
  /** The variable that names the folder, for the message when it is gone; default CODE_WORKDIR. */
  workdirVariable?: WorkdirVariable;
  /** The job text, passed verbatim on stdin. */
  prompt: string;
  signal: AbortSignal;
  progress?: (update: ProgressUpdate) => void;
  logger?: Logger;
  /** Starts each log line, e.g. "[code-worker]". */
  logPrefix?: string;
  /** Values never to repeat in messages (config.secrets). */
  secrets?: readonly string[];
  /** The environment to pass on (minus AgentOps' secrets); default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Where running children are noted for the next worker to reap (config.paths.runDir). */
  runDir: string;
  /** How long SIGTERM gets before SIGKILL; default 3 s (the CLI needs ~1.5 s to end a running Bash command). */
  killGraceMs?: number;
}

const DEFAULT_KILL_GRACE_MS = 3_000;
/** Enough stderr for the last lines of a crash report; older output is dropped. */
const STDERR_KEEP_CHARS = 16_384;

async function requireFolder(cwd: string, variable: WorkdirVariable): Promise<void> {
  const info = await stat(cwd).catch(() => undefined);
  if (info?.isDirectory()) return;
  throw new AgentOpsError(
    ErrorCode.ConfigInvalid,
    `The working folder ${cwd} does not exist (any more) or is not a folder: create it, or point ${variable} at an existing folder.`,
    { details: { cwd, variable } },
  );
}

const stoppedError = () =>
  new AgentOpsError(ErrorCode.Cancelled, 'The Claude Code run was stopped before it finished.');

export async function runClaude(options: RunClaudeOptions): Promise<JobResult> {
  const { signal, logger } = options;
  const prefix = options.logPrefix ?? '[claude]';
  if (signal.aborted) throw stoppedError();
  await requireFolder(options.cwd, options.workdirVariable ?? 'CODE_WORKDIR');

  const state = createRunState({
    cwd: options.cwd,
    ...(options.disallowedTools ? { disallowedTools: options.disallowedTools } : {}),
    ...(options.tools ? { tools: options.tools } : {}),
  });
  const report = (update: ProgressUpdate | undefined) => {
    if (!update || !options.progress) return;
    try {
      // A step quotes a tool's input, and a command the model wrote may hold a key it has seen.
      options.progress(scrubSecretsDeep(update, options.secrets ?? []));
    } catch (error) {
      logger?.debug({ err: error }, `${prefix} Progress callback failed`);
    }
  };
  const take = (line: string) => {
    const event = parseStreamLine(line);
    if (event) report(applyEvent(state, event));
    else noteInvalidLine(state, line);
  };

  const started = Date.now();
  const child = execa(resolveClaudeBin(options.bin, process.cwd()), buildClaudeArgs(options), {
    cwd: options.cwd,
    env: claudeChildEnv(options.env ?? process.env),
    extendEnv: false,
    // Written, then closed: with -p and no prompt argument the CLI reads its prompt from stdin to EOF.
    input: promptForStdin(options.prompt),
    detached: true,
    windowsHide: true,
    buffer: false,
    reject: false,
    stdout: 'pipe',
    stderr: 'pipe',
  });
  const pid = child.pid;
  const forget = pid === undefined ? () => false : trackChild(pid, options.runDir);

  const lines = createLineSplitter();
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => lines.push(chunk).forEach(take));
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_KEEP_CHARS);
  });

  let stopping: Promise<'terminated' | 'killed'> | undefined;
  const onAbort = () => {
    if (pid === undefined || stopping) return;
    logger?.info({ pid }, `${prefix} Ending Claude Code (pid ${pid}) and its process group`);
    stopping = endProcessTree(pid, child, { graceMs: options.killGraceMs ?? DEFAULT_KILL_GRACE_MS });
  };
  signal.addEventListener('abort', onAbort, { once: true });
  if (pid !== undefined)
    logger?.debug({ pid, cwd: options.cwd }, `${prefix} Claude Code started (pid ${pid}) in ${options.cwd}`);

  try {
    const exit = await child;
    lines.flush().forEach(take);
    if (stopping) {
      const how = await stopping;
      logger?.info(
        { pid, how, durationMs: Date.now() - started },
        `${prefix} Claude Code and its process group ended (${how === 'terminated' ? 'SIGTERM' : 'SIGKILL'})`,
      );
      throw stoppedError();
    }
    if (pid !== undefined && endLeftovers(pid))
      logger?.warn({ pid }, `${prefix} Claude Code left processes running in its group; sent them SIGTERM`);

    // No exit code and no signal: the process never ran; execa's error then carries Node's code (ENOENT, EACCES).
    const spawnError =
      exit.exitCode === undefined && exit.signal === undefined ? (exit as { code?: unknown }).code : undefined;
    const outcome = decideOutcome(
      state,
      {
        ...(exit.exitCode === undefined ? {} : { exitCode: exit.exitCode }),
        ...(exit.signal === undefined ? {} : { signal: exit.signal }),
        ...(typeof spawnError === 'string' ? { spawnError } : {}),
        stderrTail: stderr,
      },
      {
        bin: options.bin,
        ...(options.maxTurns === undefined ? {} : { maxTurns: options.maxTurns }),
        ...(options.maxBudgetUsd === undefined ? {} : { maxBudgetUsd: options.maxBudgetUsd }),
        ...(options.secrets ? { secrets: options.secrets } : {}),
      },
    );
    const facts = {
      exitCode: exit.exitCode,
      signal: exit.signal,
      durationMs: Date.now() - started,
      turns: state.turns,
      invalidLines: state.invalidLines,
    };
    if (!outcome.ok) {
      logger?.info(
        { ...facts, code: outcome.error.code, details: outcome.error.details },
        `${prefix} Claude Code run failed (${outcome.error.code})`,
      );
      throw outcome.error;
    }
    const stats = outcome.result.stats ?? {};
    const cost = stats.costUsd === undefined ? '' : `, $${stats.costUsd.toFixed(2)}`;
    const denied = stats.permissionDenials?.length ? `, ${stats.permissionDenials.length} refused tool call(s)` : '';
    logger?.info(
      { ...facts, stats },
      `${prefix} Claude Code finished: ${stats.turns ?? state.turns} turn(s)${cost}${denied}`,
    );
    return outcome.result;
  } finally {
    signal.removeEventListener('abort', onAbort);
    forget();
  }
}
