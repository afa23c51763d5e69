// Running the real Claude Code CLI against the Anthropic stand-in: where the
// binary is, the environment that keeps it offline, quiet and out of the real
// home, and parsing of its `--output-format stream-json` lines.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { isRecord } from './json.js';

/** The native binary the @anthropic-ai/claude-code package installs (its `bin.claude`). */
export const CLAUDE_BIN = path.join(
  path.dirname(createRequire(import.meta.url).resolve('@anthropic-ai/claude-code/package.json')),
  'bin',
  'claude.exe',
);

export interface OfflineClaudeEnvOptions {
  /** The stand-in's origin, e.g. `http://127.0.0.1:PORT` (no /v1). */
  baseURL: string;
  /** A throw-away home; the CLI writes its config, sessions and transcripts under it. */
  home: string;
  apiKey?: string;
  /**
   * CLAUDE_CODE_MAX_RETRIES: how often the CLI retries 429/5xx/529 and
   * connection errors (with backoff) before giving up. 0 keeps failure tests fast.
   */
  maxRetries?: number;
  extra?: Record<string, string>;
}

/**
 * The whole environment for the CLI (pass it with `extendEnv: false`): nothing of
 * the caller's environment leaks in except PATH, so a real ANTHROPIC_API_KEY or
 * CLAUDE_* setting cannot point the CLI anywhere but the stand-in.
 */
export function offlineClaudeEnv(options: OfflineClaudeEnvOptions): Record<string, string> {
  const configDir = path.join(options.home, '.claude');
  const tmp = path.join(options.home, 'tmp');
  mkdirSync(configDir, { recursive: true });
  mkdirSync(tmp, { recursive: true, mode: 0o700 });
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: options.home,
    CLAUDE_CONFIG_DIR: configDir,
    // Its scratch files and its messaging socket, instead of the shared /tmp.
    CLAUDE_CODE_TMPDIR: tmp,
    TMPDIR: tmp,
    ANTHROPIC_BASE_URL: options.baseURL,
    ANTHROPIC_API_KEY: options.apiKey ?? 'sk-ant-standin-key',
    CLAUDE_CODE_MAX_RETRIES: String(options.maxRetries ?? 0),
    // Without these the CLI looks up outside hosts (update checks, telemetry,
    // feature flags, error reports) and preflights HEAD /api/hello.
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
    ...options.extra,
  };
}

/** A fresh home for one CLI run, and its removal. */
export function makeClaudeHome(): { home: string; remove(): void } {
  const home = mkdtempSync(path.join(tmpdir(), 'agentops-claude-home-'));
  return { home, remove: () => rmSync(home, { recursive: true, force: true }) };
}

export interface SpawnClaudeOptions {
  prompt: string;
  cwd: string;
  env: Record<string, string>;
  /** e.g. ['--permission-mode', 'acceptEdits'] or ['--max-turns', '1']. */
  args?: string[];
  /**
   * SIGTERM the CLI's whole process group after this long. The CLI handles
   * SIGTERM and exits 143; a group kill also ends the commands its tools started.
   */
  timeoutMs?: number;
}

/**
 * Starts `claude -p PROMPT --output-format stream-json --verbose` without a
 * shell, in its own process group (detached) so the whole tree can be killed
 * with `process.kill(-pid, signal)`. The promise never rejects: inspect the
 * result's exitCode, signal and stdout.
 */
export function spawnClaude(options: SpawnClaudeOptions) {
  const child = execa(
    CLAUDE_BIN,
    ['-p', options.prompt, '--output-format', 'stream-json', '--verbose', ...(options.args ?? [])],
    {
      cwd: options.cwd,
      env: options.env,
      extendEnv: false,
      detached: true,
      reject: false,
      // With an open stdin and -p the CLI would wait for more prompt text.
      stdin: 'ignore',
    },
  );
  if (options.timeoutMs !== undefined) {
    // Not execa's `timeout`: that signals the CLI alone, not the processes its tools started.
    const timer = setTimeout(() => killProcessGroup(child.pid), options.timeoutMs);
    void child.then(() => clearTimeout(timer));
  }
  return child;
}

/** Signals a detached child's whole process group; a group that is already gone is fine. */
export function killProcessGroup(pid: number | undefined, signal: NodeJS.Signals = 'SIGTERM'): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** The running CLI: an execa subprocess that is also the promise of its result. */
export type ClaudeProcess = ReturnType<typeof spawnClaude>;

/** One line of stream-json output; `type` is 'system', 'assistant', 'user' or 'result'. */
export type StreamJsonEvent = Record<string, unknown> & { type: string };

/** The final `{"type":"result"}` line. */
export interface ClaudeResultEvent extends StreamJsonEvent {
  type: 'result';
  subtype: string;
  is_error: boolean;
  result?: string;
  num_turns: number;
  session_id: string;
  total_cost_usd: number;
  duration_ms: number;
  permission_denials: Array<{ tool_name: string; tool_use_id: string; tool_input: Record<string, unknown> }>;
  api_error_status?: number | null;
  terminal_reason?: string;
  errors?: string[];
}

/** Parses stream-json stdout; lines that are not JSON objects (should there be any) are skipped. */
export function parseStreamJson(stdout: string): StreamJsonEvent[] {
  const events: StreamJsonEvent[] = [];
  for (const line of stdout.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const value: unknown = JSON.parse(line);
      if (isRecord(value) && typeof value.type === 'string') events.push(value as StreamJsonEvent);
    } catch {
      // Not ours to judge here; callers compare against the raw stdout if they care.
    }
  }
  return events;
}

export function resultEvent(events: readonly StreamJsonEvent[]): ClaudeResultEvent | undefined {
  return events.findLast((e): e is ClaudeResultEvent => e.type === 'result');
}
