// How a finished Claude Code run becomes the job's result or a coded error
// that says what happened and what to do. Pure.
//
// The `result` event decides, never the exit code: the CLI exits 1 after
// API errors, turn and budget limits, and 0 on success, but `is_error` is the
// documented signal (and API errors arrive as subtype "success"). Without a
// result event, the exit status, stderr and any non-JSON output explain it.
// A successful answer is scrubbed of the configured secrets like a failure:
// the CLI's own credential is in its environment, and a model that ran
// `printenv` or read a file that holds a key repeats it in its answer.
import {
  AgentOpsError,
  ErrorCode,
  scrubSecrets,
  scrubSecretsDeep,
  type JobResult,
  type JobStats,
} from '@agentops/core';
import { DEFAULT_LIMIT_WAITS, limitFromResult, type LimitHit, type LimitWaits } from './limits.js';
import { permissionDenials, type ClaudeResultEvent, type ClaudeRunState } from './run-state.js';

const LIMIT_WORDS: Record<LimitHit['kind'], string> = {
  usage_limit: "Claude's usage limit",
  rate_limit: "the Anthropic API's rate limit",
  overloaded: 'an overloaded Anthropic API',
};

/** A run stopped by a limit: not a failure of the job, which waits for the reset (runtime.ts). */
function limited(hit: LimitHit, details: Record<string, unknown>): ClaudeOutcome {
  const when = new Date(hit.resetAt).toISOString().slice(11, 16);
  return fail(
    ErrorCode.UsageLimited,
    `Claude Code stopped at ${LIMIT_WORDS[hit.kind]} (${hit.said || hit.kind}); the job waits until ${when} UTC${hit.known ? '' : ' (a default wait: the limit did not say when it lifts)'} and then runs again.`,
    true,
    { ...details, reason: 'limit', limit: hit.kind, resetAt: hit.resetAt, known: hit.known },
  );
}

export interface ClaudeExit {
  exitCode?: number;
  signal?: string;
  /** Node's error code when the process could not be started (ENOENT, EACCES, ...). */
  spawnError?: string;
  /** The end of what the CLI wrote to stderr. */
  stderrTail: string;
}

export interface OutcomeContext {
  /** CLAUDE_BIN as configured, for messages. */
  bin: string;
  maxTurns?: number;
  maxBudgetUsd?: number;
  /** Values that must never appear in a message (config.secrets). */
  secrets?: readonly string[];
  /** How long to wait out a limit that does not say when it lifts. */
  limitWaits?: LimitWaits;
  /** The clock, for limits' reset times. */
  now?: number;
}

export type ClaudeOutcome = { ok: true; result: JobResult } | { ok: false; error: AgentOpsError };

/** Statuses worth a retry with backoff: timeouts and server errors (429 and 529 are limits, waited out: limits.ts). */
const RETRYABLE_STATUSES = new Set([408, 500, 502, 503, 504]);
const STDERR_LINES = 8;
const MESSAGE_MAX = 600;

const clip = (text: string, max = MESSAGE_MAX) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
const usd = (value: number) => `$${value.toFixed(2)}`;

/** The last lines of stderr, without secrets or token-shaped strings. */
export function stderrSummary(stderr: string, secrets: readonly string[] = []): string {
  const lines = stderr
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== '');
  return clip(scrubSecrets(lines.slice(-STDERR_LINES).join('\n'), secrets));
}

function statsOf(state: ClaudeRunState, result: ClaudeResultEvent | undefined): JobStats {
  const denials = permissionDenials(state);
  const turns = result?.numTurns ?? (state.turns > 0 ? state.turns : undefined);
  const sessionId = result?.sessionId ?? state.sessionId;
  return {
    ...(result?.durationMs === undefined ? {} : { durationMs: result.durationMs }),
    ...(result?.totalCostUsd === undefined ? {} : { costUsd: result.totalCostUsd }),
    ...(result?.tokens === undefined ? {} : { tokens: result.tokens }),
    ...(turns === undefined ? {} : { turns }),
    ...(sessionId ? { sessionId } : {}),
    ...(state.model ? { model: state.model } : {}),
    ...(denials.length > 0 ? { permissionDenials: denials } : {}),
  };
}

const fail = (
  code: ErrorCode,
  message: string,
  retryable: boolean,
  details: Record<string, unknown>,
): ClaudeOutcome => ({
  ok: false,
  error: new AgentOpsError(code, message, { retryable, details }),
});

function failedResult(
  result: ClaudeResultEvent,
  stats: JobStats,
  context: OutcomeContext,
  rateLimit?: ClaudeRunState['rateLimit'],
): ClaudeOutcome {
  const said = clip(
    scrubSecrets((result.result ?? result.errors.join('; ')).trim() || result.subtype, context.secrets ?? []),
  );
  const details = {
    subtype: result.subtype,
    terminalReason: result.terminalReason,
    apiErrorStatus: result.apiErrorStatus,
    ...stats,
  };
  const spent = stats.costUsd === undefined ? '' : ` after spending ${usd(stats.costUsd)}`;
  const hit = limitFromResult(
    {
      ...(result.result === undefined ? {} : { result: scrubSecrets(result.result, context.secrets ?? []) }),
      ...(result.apiErrorStatus === undefined ? {} : { apiErrorStatus: result.apiErrorStatus }),
      ...(result.apiErrorType === undefined ? {} : { apiErrorType: result.apiErrorType }),
      ...(result.apiError === undefined ? {} : { apiError: result.apiError }),
      ...(rateLimit ? { rateLimit } : {}),
    },
    context.now ?? Date.now(),
    context.limitWaits ?? DEFAULT_LIMIT_WAITS,
  );
  if (hit) return limited(hit, details);

  if (result.subtype === 'error_max_turns' || result.terminalReason === 'max_turns') {
    const limit =
      context.maxTurns === undefined ? 'its turn limit' : `the limit of ${context.maxTurns} turns (CLAUDE_MAX_TURNS)`;
    return fail(
      ErrorCode.ClaudeFailed,
      `Claude Code stopped before finishing: it reached ${limit}${spent}. Raise CLAUDE_MAX_TURNS or split the job into smaller steps.`,
      false,
      { ...details, reason: 'max_turns' },
    );
  }
  if (result.subtype === 'error_max_budget_usd' || result.terminalReason === 'budget_exhausted') {
    const limit =
      context.maxBudgetUsd === undefined
        ? 'its budget'
        : `its budget of ${usd(context.maxBudgetUsd)} (CLAUDE_MAX_BUDGET_USD)`;
    return fail(
      ErrorCode.ClaudeFailed,
      `Claude Code stopped before finishing: it used up ${limit}${spent}. Raise CLAUDE_MAX_BUDGET_USD or split the job into smaller steps.`,
      false,
      { ...details, reason: 'budget' },
    );
  }
  const status = result.apiErrorStatus;
  if (status !== undefined) {
    if (RETRYABLE_STATUSES.has(status)) {
      return fail(
        ErrorCode.ClaudeFailed,
        `The Anthropic API failed with HTTP ${status} (${said}). This is usually temporary; the job is retried with backoff.`,
        true,
        { ...details, reason: 'api_error' },
      );
    }
    const fix =
      status === 401 || status === 403
        ? 'Check ANTHROPIC_API_KEY (and ANTHROPIC_BASE_URL if you use a gateway).'
        : 'Check ANTHROPIC_API_KEY and CLAUDE_MODEL (and ANTHROPIC_BASE_URL if you use a gateway).';
    return fail(
      ErrorCode.ClaudeFailed,
      `The Anthropic API refused the request with HTTP ${status} (${said}). ${fix} Retrying will not help.`,
      false,
      {
        ...details,
        reason: 'api_error',
      },
    );
  }
  if (result.apiError !== undefined || result.terminalReason === 'api_error') {
    // No HTTP status: the API was not reached (connection refused, DNS, TLS).
    return fail(
      ErrorCode.ClaudeFailed,
      `Claude Code could not reach the Anthropic API (${said}). Check the network and ANTHROPIC_BASE_URL; the job is retried with backoff.`,
      true,
      { ...details, reason: 'api_unreachable' },
    );
  }
  return fail(ErrorCode.ClaudeFailed, `Claude Code reported an error (${result.subtype}): ${said}`, false, {
    ...details,
    reason: 'error',
  });
}

export function decideOutcome(state: ClaudeRunState, exit: ClaudeExit, context: OutcomeContext): ClaudeOutcome {
  const secrets = context.secrets ?? [];
  if (exit.spawnError !== undefined) {
    if (exit.spawnError === 'ENOENT') {
      return fail(
        ErrorCode.ClaudeMissing,
        `Claude Code CLI not found at ${context.bin}: npm install -g @anthropic-ai/claude-code or set CLAUDE_BIN`,
        false,
        { bin: context.bin },
      );
    }
    if (exit.spawnError === 'EACCES') {
      return fail(
        ErrorCode.ClaudeMissing,
        `Claude Code CLI at ${context.bin} cannot be run (EACCES: not executable): fix its permissions, or set CLAUDE_BIN to the claude executable`,
        false,
        { bin: context.bin },
      );
    }
    if (exit.spawnError === 'EINVAL') {
      return fail(
        ErrorCode.ClaudeMissing,
        `Claude Code CLI at ${context.bin} cannot be started without a shell (EINVAL, e.g. a .cmd shim on Windows): set CLAUDE_BIN to the claude.exe executable`,
        false,
        { bin: context.bin },
      );
    }
    return fail(
      ErrorCode.ClaudeFailed,
      `Claude Code CLI at ${context.bin} could not be started (${exit.spawnError}).`,
      false,
      { bin: context.bin },
    );
  }

  const { result } = state;
  const stats = statsOf(state, result);
  if (result) {
    if (result.isError) return failedResult(result, stats, context, state.rateLimit);
    const text = result.result?.trim() ? result.result : '_(Claude Code finished without a written answer.)_';
    return { ok: true, result: scrubSecretsDeep({ text, stats }, secrets) };
  }

  const stderr = stderrSummary(exit.stderrTail, secrets);
  if (state.invalidLines > 0) {
    const sample = scrubSecrets(state.invalidSamples[0] ?? '', secrets);
    return fail(
      ErrorCode.ClaudeBadOutput,
      `Claude Code CLI at ${context.bin} printed ${state.invalidLines} line(s) that are not stream-json events (first: "${sample}") and no result` +
        `${stderr ? ` (stderr: ${stderr})` : ''}. Check that CLAUDE_BIN points at the Claude Code CLI (\`claude --version\`).`,
      false,
      { bin: context.bin, invalidLines: state.invalidLines, exitCode: exit.exitCode },
    );
  }
  const how =
    exit.signal !== undefined
      ? `was ended by ${exit.signal}`
      : exit.exitCode === 0 || exit.exitCode === undefined
        ? 'exited'
        : `exited with code ${exit.exitCode}`;
  if (exit.exitCode === 0 || (exit.exitCode === undefined && exit.signal === undefined)) {
    return fail(
      ErrorCode.ClaudeBadOutput,
      `Claude Code CLI at ${context.bin} ${how} without a result event${stderr ? `: ${stderr}` : ''}. Check that CLAUDE_BIN points at the Claude Code CLI.`,
      false,
      { bin: context.bin, exitCode: exit.exitCode },
    );
  }
  return fail(
    ErrorCode.ClaudeFailed,
    `Claude Code CLI ${how} without a result${stderr ? `: ${stderr}` : ' and wrote nothing to stderr'}`,
    false,
    { bin: context.bin, exitCode: exit.exitCode, signal: exit.signal, ...stats },
  );
}
