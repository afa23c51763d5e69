// The one place AgentOps runs the Claude Code CLI, through Anthropic's Agent
// SDK (`query()`). Both the code and the research worker run Claude through
// `runClaude`; they differ only in flags, and in whether anyone is asked
// about tool uses the permission mode leaves undecided (`approve`).
//
// The child: no shell, an argument array the SDK builds (sdk-options.ts), the
// job text as the first stream-json message on stdin, the working folder as
// cwd, its own process group, and this process's environment minus AgentOps'
// secrets (claude-child.ts). The SDK hands over the CLI's events as they come,
// for live progress; the `result` event decides the outcome (outcome.ts). The
// runtime's AbortSignal (cancel, time limit, shutdown) ends the child's whole
// tree at once (process-group.ts), without the SDK's ~2 s close path.
//
// Windows: Node cannot start a `.cmd` shim without a shell (EINVAL), and a
// shell is what this module must never use, so CLAUDE_BIN has to name
// claude.exe itself (the native installer's, or npm's
// node_modules/@anthropic-ai/claude-code/bin/claude.exe).
import { stat } from 'node:fs/promises';
import { query, type CanUseTool } from '@anthropic-ai/claude-agent-sdk';
import {
  AgentOpsError,
  ErrorCode,
  scrubSecretsDeep,
  type JobResult,
  type Logger,
  type ProgressUpdate,
} from '@agentops/core';
import { promptForStdin, resolveClaudeBin, type ClaudeFlags } from './args.js';
import { createClaudeChild } from './claude-child.js';
import { claudeChildEnv } from './env.js';
import type { LimitWaits } from './limits.js';
import { decideOutcome } from './outcome.js';
import { endLeftovers, endProcessTree, trackChild } from './process-group.js';
import { applyEvent, createRunState, noteInvalidLine } from './run-state.js';
import { buildSdkOptions } from './sdk-options.js';
import { isRecord, type StreamEvent } from './stream-json.js';
import type { WorkdirVariable } from './workdir.js';

/** A tool use the permission mode left undecided, as the CLI asked about it. */
export interface ToolUseQuestion {
  tool: string;
  input: Record<string, unknown>;
  toolUseId: string;
  /** Aborted when the run ends or the CLI withdraws the question. */
  signal: AbortSignal;
}

export type ToolUseAnswer = { allow: true } | { allow: false; message: string };

/** Who answers tool-use questions; without one, they are denied (the permission mode's own refusal). */
export type ToolUseApprover = (question: ToolUseQuestion) => Promise<ToolUseAnswer>;

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
  /** Asked about each tool use the permission mode leaves undecided. */
  approve?: ToolUseApprover;
  /** How long to wait out a limit that does not say when it lifts. */
  limitWaits?: LimitWaits;
}

const DEFAULT_KILL_GRACE_MS = 3_000;

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
  const take = (event: unknown) => {
    if (isRecord(event) && typeof event.type === 'string') report(applyEvent(state, event as StreamEvent));
  };

  const started = Date.now();
  let forget: () => unknown = () => false;
  const child = createClaudeChild({
    onInvalidLine: (line) => noteInvalidLine(state, line),
    onStart: (pid) => {
      forget = trackChild(pid, options.runDir);
    },
  });
  // Aborted with the run: the SDK stops reading and closes its side; the process tree is ended below.
  const sdkAbort = new AbortController();
  let stopping: Promise<'terminated' | 'killed'> | undefined;
  const onAbort = () => {
    sdkAbort.abort();
    const pid = child.pid;
    if (pid === undefined || stopping) return;
    logger?.info({ pid }, `${prefix} Ending Claude Code (pid ${pid}) and its process group`);
    stopping = endProcessTree(pid, child.exited, { graceMs: options.killGraceMs ?? DEFAULT_KILL_GRACE_MS });
  };
  signal.addEventListener('abort', onAbort, { once: true });

  const approve = options.approve;
  const canUseTool: CanUseTool | undefined = approve
    ? async (tool, input, asked) => {
        const answer = await approve({ tool, input, toolUseId: asked.toolUseID, signal: asked.signal });
        return answer.allow
          ? { behavior: 'allow', updatedInput: input }
          : { behavior: 'deny', message: answer.message };
      }
    : undefined;

  const env = claudeChildEnv(options.env ?? process.env);
  let sdkError: unknown;
  try {
    const run = query({
      prompt: promptForStdin(options.prompt),
      options: {
        ...buildSdkOptions(options),
        pathToClaudeCodeExecutable: resolveClaudeBin(options.bin, process.cwd()),
        cwd: options.cwd,
        env,
        abortController: sdkAbort,
        spawnClaudeCodeProcess: child.spawn,
        ...(canUseTool ? { canUseTool } : {}),
      },
    });
    for await (const event of run) take(event);
  } catch (error) {
    sdkError = error;
  }
  try {
    if (!stopping && child.started) await child.exited;
    if (child.pid !== undefined)
      logger?.debug(
        { pid: child.pid, cwd: options.cwd },
        `${prefix} Claude Code ran (pid ${child.pid}) in ${options.cwd}`,
      );
    if (stopping) {
      const how = await stopping;
      logger?.info(
        { pid: child.pid, how, durationMs: Date.now() - started },
        `${prefix} Claude Code and its process group ended (${how === 'terminated' ? 'SIGTERM' : 'SIGKILL'})`,
      );
      throw stoppedError();
    }
    if (signal.aborted) throw stoppedError();
    const pid = child.pid;
    if (pid !== undefined && endLeftovers(pid))
      logger?.warn({ pid }, `${prefix} Claude Code left processes running in its group; sent them SIGTERM`);

    // Never started: the SDK looked for the binary itself, or Node could not start it (ENOENT, EACCES).
    const exit = child.started
      ? await child.exited
      : { spawnError: (sdkError as { code?: unknown } | undefined)?.code === 'ENOENT' ? 'ENOENT' : 'unknown' };
    if (sdkError !== undefined && !state.result)
      logger?.debug({ err: sdkError }, `${prefix} The Agent SDK ended the run with an error`);
    const outcome = decideOutcome(
      state,
      { ...exit, stderrTail: child.stderrTail() },
      {
        bin: options.bin,
        ...(options.maxTurns === undefined ? {} : { maxTurns: options.maxTurns }),
        ...(options.maxBudgetUsd === undefined ? {} : { maxBudgetUsd: options.maxBudgetUsd }),
        ...(options.secrets ? { secrets: options.secrets } : {}),
        ...(options.limitWaits ? { limitWaits: options.limitWaits } : {}),
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
