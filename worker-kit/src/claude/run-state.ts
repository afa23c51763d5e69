// What a Claude Code run has shown so far, folded from its stream-json
// events: model, turns, the tool calls and which were refused, lines that
// were not events, and the final `result` event. Pure.
//
// Event shapes (CLI v2.1.330): `system/init` {model, session_id, tools};
// `assistant` {message: {id, content: [text | tool_use {id, name, input}]},
// parent_tool_use_id}, one event per content block, so several share a
// message id; `system/permission_denied` {tool_name, tool_use_id};
// `user` {message: {content: [tool_result {tool_use_id, is_error, content}]}};
// `result` {subtype, is_error, result, num_turns, total_cost_usd, ...}.
import type { PermissionDenial, ProgressUpdate } from '@agentops/core';
import { isRecord, type StreamEvent } from './stream-json.js';
import { describeToolUse } from './tool-steps.js';

export interface ClaudeResultEvent {
  subtype: string;
  isError: boolean;
  result?: string;
  numTurns?: number;
  totalCostUsd?: number;
  /** input + cache creation + cache read + output tokens of the whole run. */
  tokens?: number;
  durationMs?: number;
  sessionId?: string;
  terminalReason?: string;
  apiErrorStatus?: number;
  /** e.g. "connection_failed" when no HTTP status came back, "usage_limit_reached" at a subscription limit. */
  apiError?: string;
  /** The API's error type, e.g. "rate_limit_error". */
  apiErrorType?: string;
  errors: string[];
  permissionDenials: PermissionDenial[];
  deniedToolUseIds: string[];
}

export interface ClaudeRunState {
  cwd?: string;
  model?: string;
  sessionId?: string;
  /** Model responses so far (the CLI's num_turns counts the same way). */
  turns: number;
  /** Lines that were not stream-json events: how many, and the first few for the message. */
  invalidLines: number;
  invalidSamples: string[];
  result?: ClaudeResultEvent;
  /** The run's last `rate_limit_event` (`rate_limit_info`): a subscription limit and when it resets. */
  rateLimit?: { status?: string; resetsAt?: number; rateLimitType?: string };
  /** Tools removed from this run, whose calls come back as errors rather than permission denials. */
  readonly unavailable: ReadonlySet<string>;
  readonly available?: ReadonlySet<string>;
  readonly toolUses: Map<string, { name: string; input: unknown }>;
  /** Refused tool calls by tool_use id, in the order seen. */
  readonly denials: Map<string, PermissionDenial>;
  readonly assistantMessages: Set<string>;
}

export interface RunStateOptions {
  cwd?: string;
  disallowedTools?: readonly string[];
  tools?: readonly string[];
}

const INVALID_SAMPLES = 3;
const SAMPLE_CHARS = 120;
/** Denial inputs are kept with the job in Redis: a whole file's content is not needed to see what was refused. */
const INPUT_STRING_MAX = 300;

export function createRunState(options: RunStateOptions = {}): ClaudeRunState {
  return {
    ...(options.cwd ? { cwd: options.cwd } : {}),
    turns: 0,
    invalidLines: 0,
    invalidSamples: [],
    unavailable: new Set(options.disallowedTools ?? []),
    ...(options.tools && options.tools.length > 0 ? { available: new Set(options.tools) } : {}),
    toolUses: new Map(),
    denials: new Map(),
    assistantMessages: new Set(),
  };
}

export function noteInvalidLine(state: ClaudeRunState, line: string): void {
  state.invalidLines += 1;
  if (state.invalidSamples.length < INVALID_SAMPLES) {
    state.invalidSamples.push(line.length > SAMPLE_CHARS ? `${line.slice(0, SAMPLE_CHARS)}…` : line);
  }
}

/** Top-level strings cut to a readable length; the shape is kept. */
export function summarizeInput(input: unknown): unknown {
  if (!isRecord(input)) return input;
  return Object.fromEntries(
    Object.entries(input).map(([key, value]) => [
      key,
      typeof value === 'string' && value.length > INPUT_STRING_MAX
        ? `${value.slice(0, INPUT_STRING_MAX)}… (${value.length} characters)`
        : value,
    ]),
  );
}

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const num = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;
const blocks = (message: unknown): Record<string, unknown>[] => {
  const content = isRecord(message) ? message.content : undefined;
  return Array.isArray(content) ? content.filter(isRecord) : [];
};

function deny(state: ClaudeRunState, toolUseId: string, toolName: string | undefined, input?: unknown): void {
  const seen = state.denials.get(toolUseId);
  if (seen) {
    if (seen.input === undefined && input !== undefined) seen.input = summarizeInput(input);
    return;
  }
  const known = state.toolUses.get(toolUseId);
  const tool = toolName ?? known?.name ?? 'unknown tool';
  const shown = input ?? known?.input;
  state.denials.set(toolUseId, { tool, ...(shown === undefined ? {} : { input: summarizeInput(shown) }) });
}

/** All tokens of a result's `usage`, or undefined when it has none. */
function tokensOf(usage: unknown): number | undefined {
  if (!isRecord(usage)) return undefined;
  const fields = ['input_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens', 'output_tokens'];
  const counts = fields.map((field) => num(usage[field])).filter((count): count is number => count !== undefined);
  return counts.length === 0 ? undefined : counts.reduce((sum, count) => sum + count, 0);
}

function readResult(event: StreamEvent): ClaudeResultEvent {
  const denials = Array.isArray(event.permission_denials) ? event.permission_denials.filter(isRecord) : [];
  const errors = Array.isArray(event.errors) ? event.errors.filter((e): e is string => typeof e === 'string') : [];
  const optional = <K extends string, V>(key: K, value: V | undefined) =>
    value === undefined ? {} : ({ [key]: value } as Record<K, V>);
  return {
    subtype: str(event.subtype) ?? 'unknown',
    isError: event.is_error === true,
    ...optional('result', str(event.result)),
    ...optional('numTurns', num(event.num_turns)),
    ...optional('totalCostUsd', num(event.total_cost_usd)),
    ...optional('tokens', tokensOf(event.usage)),
    ...optional('durationMs', num(event.duration_ms)),
    ...optional('sessionId', str(event.session_id)),
    ...optional('terminalReason', str(event.terminal_reason)),
    ...optional('apiErrorStatus', num(event.api_error_status)),
    ...optional('apiError', str(event.api_error)),
    ...optional('apiErrorType', str(event.api_error_type)),
    errors,
    permissionDenials: denials.map((d) => ({
      tool: str(d.tool_name) ?? 'unknown tool',
      // Kept whole here; deny() shortens it once, whichever event names the denial first.
      ...(d.tool_input === undefined ? {} : { input: d.tool_input }),
    })),
    deniedToolUseIds: denials.map((d) => str(d.tool_use_id) ?? ''),
  };
}

/**
 * Folds one event into the state; returns the progress worth showing, if any.
 * Subagent events (parent_tool_use_id set) count for steps but not for turns.
 */
export function applyEvent(state: ClaudeRunState, event: StreamEvent): ProgressUpdate | undefined {
  switch (event.type) {
    case 'system': {
      if (event.subtype === 'init') {
        const model = str(event.model);
        const sessionId = str(event.session_id);
        if (model) state.model = model;
        if (sessionId) state.sessionId = sessionId;
        return { step: 'Starting Claude Code', turns: state.turns };
      }
      if (event.subtype === 'permission_denied') {
        const id = str(event.tool_use_id);
        if (id) deny(state, id, str(event.tool_name));
      }
      return undefined;
    }
    case 'assistant': {
      const message = event.message;
      const id = isRecord(message) ? str(message.id) : undefined;
      const topLevel = event.parent_tool_use_id === null || event.parent_tool_use_id === undefined;
      let update: ProgressUpdate | undefined;
      if (topLevel && id && !state.assistantMessages.has(id)) {
        state.assistantMessages.add(id);
        state.turns += 1;
        update = { turns: state.turns };
      }
      for (const block of blocks(message)) {
        if (block.type !== 'tool_use') continue;
        const name = str(block.name) ?? 'a tool';
        const toolUseId = str(block.id);
        if (toolUseId) state.toolUses.set(toolUseId, { name, input: block.input });
        update = { step: describeToolUse(name, block.input, state.cwd), turns: state.turns };
      }
      return update;
    }
    case 'user': {
      // A call to a tool this run does not have comes back as an error result, not as a permission denial.
      for (const block of blocks(event.message)) {
        if (block.type !== 'tool_result' || block.is_error !== true) continue;
        const toolUseId = str(block.tool_use_id);
        const call = toolUseId ? state.toolUses.get(toolUseId) : undefined;
        if (!toolUseId || !call) continue;
        const missing =
          state.unavailable.has(call.name) || (state.available !== undefined && !state.available.has(call.name));
        if (missing) deny(state, toolUseId, call.name);
      }
      return undefined;
    }
    case 'rate_limit_event': {
      const info = isRecord(event.rate_limit_info) ? event.rate_limit_info : undefined;
      if (info) {
        const status = str(info.status);
        const resetsAt = num(info.resetsAt);
        const rateLimitType = str(info.rateLimitType);
        state.rateLimit = {
          ...(status ? { status } : {}),
          ...(resetsAt === undefined ? {} : { resetsAt }),
          ...(rateLimitType ? { rateLimitType } : {}),
        };
      }
      return undefined;
    }
    case 'result': {
      const result = readResult(event);
      state.result = result;
      if (result.sessionId) state.sessionId = result.sessionId;
      result.deniedToolUseIds.forEach((toolUseId, index) => {
        const denial = result.permissionDenials[index];
        if (denial) deny(state, toolUseId || `result-${index}`, denial.tool, denial.input);
      });
      return undefined;
    }
    default:
      return undefined;
  }
}

/** Every refused tool call of the run, once each. */
export function permissionDenials(state: ClaudeRunState): PermissionDenial[] {
  return [...state.denials.values()];
}
