// From stream-json events to the job's result or a coded error: progress
// steps and turns, refused tool calls, and the failure mapping (which errors
// are retried and what each message tells the operator to do). The event
// shapes are those the real CLI (v2.1.330) printed against the stand-in.
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@agentops/core';
import {
  applyEvent,
  createRunState,
  decideFailure,
  decideOutcome,
  noteInvalidLine,
  type ClaudeExit,
  type ClaudeRunState,
  type OutcomeContext,
  type StreamEvent,
} from '@agentops/worker-kit';

const CWD = '/work/repo';
const SESSION = '71e30811-ddca-4660-9510-c3dbacadcb04';

const init = (): StreamEvent => ({
  type: 'system',
  subtype: 'init',
  cwd: CWD,
  session_id: SESSION,
  model: 'claude-opus-5-5',
  tools: ['Bash', 'Read', 'Write'],
});
const assistant = (id: string, block: Record<string, unknown>, parent: string | null = null): StreamEvent => ({
  type: 'assistant',
  message: { id, type: 'message', role: 'assistant', content: [block] },
  parent_tool_use_id: parent,
  session_id: SESSION,
});
const text = (id: string, value: string) => assistant(id, { type: 'text', text: value });
const toolUse = (id: string, toolUseId: string, name: string, input: Record<string, unknown>) =>
  assistant(id, { type: 'tool_use', id: toolUseId, name, input });
const toolResult = (toolUseId: string, content: string, isError = false): StreamEvent => ({
  type: 'user',
  message: {
    role: 'user',
    content: [{ type: 'tool_result', tool_use_id: toolUseId, content, ...(isError ? { is_error: true } : {}) }],
  },
  parent_tool_use_id: null,
});
const result = (fields: Record<string, unknown>): StreamEvent => ({
  type: 'result',
  subtype: 'success',
  is_error: false,
  num_turns: 1,
  session_id: SESSION,
  total_cost_usd: 0.049,
  duration_ms: 106,
  permission_denials: [],
  terminal_reason: 'completed',
  api_error_status: null,
  ...fields,
});

function run(
  events: StreamEvent[],
  options: Parameters<typeof createRunState>[0] = {},
): { state: ClaudeRunState; steps: unknown[] } {
  const state = createRunState({ cwd: CWD, ...options });
  const steps = events.map((event) => applyEvent(state, event)).filter((update) => update !== undefined);
  return { state, steps };
}

const exited = (exitCode: number, stderrTail = ''): ClaudeExit => ({ exitCode, stderrTail });
const CONTEXT: OutcomeContext = { bin: '/usr/local/bin/claude', maxTurns: 5, maxBudgetUsd: 0.5 };

function failure(state: ClaudeRunState, exit: ClaudeExit = exited(1), context: OutcomeContext = CONTEXT) {
  const outcome = decideOutcome(state, exit, context);
  if (outcome.ok) throw new Error(`expected a failure, got ${JSON.stringify(outcome.result)}`);
  return { error: outcome.error, retry: decideFailure(outcome.error).retry };
}

describe('a successful run', () => {
  it('reports steps and turns as they happen, and returns the answer with its stats', () => {
    const { state, steps } = run([
      init(),
      text('msg_1', 'Writing it'),
      toolUse('msg_1', 'toolu_1', 'Write', { file_path: `${CWD}/notes.md`, content: 'hi' }),
      toolResult('toolu_1', 'File created successfully'),
      text('msg_2', 'Wrote it'),
      result({ num_turns: 2, result: 'Wrote it', total_cost_usd: 0.0989, duration_ms: 165 }),
    ]);
    expect(steps).toEqual([
      { step: 'Starting Claude Code', turns: 0 },
      { turns: 1 },
      { step: 'Writing notes.md', turns: 1 },
      { turns: 2 },
    ]);
    expect(decideOutcome(state, exited(0), CONTEXT)).toEqual({
      ok: true,
      result: {
        text: 'Wrote it',
        stats: { durationMs: 165, costUsd: 0.0989, turns: 2, sessionId: SESSION, model: 'claude-opus-5-5' },
      },
    });
  });

  it("does not count a subagent's messages as turns", () => {
    const { state } = run([
      init(),
      text('msg_1', 'a'),
      text('msg_sub', 'b'),
      assistant('msg_sub2', { type: 'text', text: 'c' }, 'toolu_task'),
    ]);
    expect(state.turns).toBe(2);
  });

  it('judges by is_error, not by the exit code', () => {
    const { state } = run([init(), text('msg_1', 'fine'), result({ result: 'fine' })]);
    expect(decideOutcome(state, exited(1), CONTEXT)).toMatchObject({ ok: true, result: { text: 'fine' } });
  });

  it('lists tool calls the permission mode refused, once each, with their input', () => {
    const { state } = run([
      init(),
      toolUse('msg_1', 'toolu_1', 'Write', { file_path: `${CWD}/notes.md`, content: 'x'.repeat(1_000) }),
      {
        type: 'system',
        subtype: 'permission_denied',
        tool_name: 'Write',
        tool_use_id: 'toolu_1',
        decision_reason_type: 'mode',
      },
      toolResult('toolu_1', 'Cannot write while in plan mode.', true),
      text('msg_2', 'I could not write it'),
      result({
        num_turns: 2,
        result: 'I could not write it',
        permission_denials: [
          {
            tool_name: 'Write',
            tool_use_id: 'toolu_1',
            tool_input: { file_path: `${CWD}/notes.md`, content: 'x'.repeat(1_000) },
          },
        ],
      }),
    ]);
    const outcome = decideOutcome(state, exited(0), CONTEXT);
    expect(outcome.ok && outcome.result.stats?.permissionDenials).toEqual([
      { tool: 'Write', input: { file_path: `${CWD}/notes.md`, content: `${'x'.repeat(300)}… (1000 characters)` } },
    ]);
  });

  it('shortens the input of a denial named only by the result event', () => {
    const { state } = run([
      init(),
      result({
        result: 'ok',
        permission_denials: [{ tool_name: 'Bash', tool_use_id: 'toolu_9', tool_input: { command: 'y'.repeat(400) } }],
      }),
    ]);
    const outcome = decideOutcome(state, exited(0), CONTEXT);
    expect(outcome.ok && outcome.result.stats?.permissionDenials).toEqual([
      { tool: 'Bash', input: { command: `${'y'.repeat(300)}… (400 characters)` } },
    ]);
  });

  it('counts calls to tools the run does not have as refused', () => {
    const { state } = run(
      [
        init(),
        toolUse('msg_1', 'toolu_1', 'Write', { file_path: `${CWD}/a.md` }),
        toolResult('toolu_1', '<tool_use_error>Error: No such tool available: Write.</tool_use_error>', true),
        toolUse('msg_2', 'toolu_2', 'Bash', { command: 'touch b' }),
        toolResult('toolu_2', '<tool_use_error>Error: No such tool available: Bash.</tool_use_error>', true),
        toolUse('msg_3', 'toolu_3', 'Read', { file_path: `${CWD}/missing` }),
        toolResult('toolu_3', 'File does not exist.', true),
        text('msg_4', 'done'),
        result({ num_turns: 4, result: 'done' }),
      ],
      { disallowedTools: ['Write', 'Edit', 'Bash'], tools: ['Read', 'WebSearch'] },
    );
    const outcome = decideOutcome(state, exited(0), CONTEXT);
    expect(outcome.ok && outcome.result.stats?.permissionDenials).toEqual([
      { tool: 'Write', input: { file_path: `${CWD}/a.md` } },
      { tool: 'Bash', input: { command: 'touch b' } },
    ]);
  });

  it('says so when Claude finished without a written answer', () => {
    const { state } = run([init(), result({ result: '' })]);
    expect(decideOutcome(state, exited(0), CONTEXT)).toMatchObject({
      ok: true,
      result: { text: expect.stringContaining('without a written answer') },
    });
  });
});

describe('a failed run', () => {
  it('turn limit: not retried, names CLAUDE_MAX_TURNS', () => {
    const { state } = run([
      init(),
      result({
        subtype: 'error_max_turns',
        is_error: true,
        num_turns: 6,
        terminal_reason: 'max_turns',
        errors: ['Reached maximum number of turns (5)'],
      }),
    ]);
    const { error, retry } = failure(state);
    expect(error.code).toBe(ErrorCode.ClaudeFailed);
    expect(retry).toBe(false);
    expect(error.message).toBe(
      'Claude Code stopped before finishing: it reached the limit of 5 turns (CLAUDE_MAX_TURNS) after spending $0.05. Raise CLAUDE_MAX_TURNS or split the job into smaller steps.',
    );
  });

  it('budget: not retried, names CLAUDE_MAX_BUDGET_USD', () => {
    const { state } = run([
      init(),
      result({
        subtype: 'error_max_budget_usd',
        is_error: true,
        terminal_reason: 'budget_exhausted',
        total_cost_usd: 0.61,
        errors: ['Reached maximum budget ($0.5)'],
      }),
    ]);
    const { error, retry } = failure(state);
    expect(retry).toBe(false);
    expect(error.message).toContain('used up its budget of $0.50 (CLAUDE_MAX_BUDGET_USD) after spending $0.61');
    expect(error.message).toContain('Raise CLAUDE_MAX_BUDGET_USD');
  });

  it.each([500, 502, 503])('HTTP %i from the API: retried', (status) => {
    const { state } = run([
      init(),
      result({
        is_error: true,
        api_error_status: status,
        terminal_reason: 'api_error',
        total_cost_usd: 0,
        result: `API Error: ${status} boom`,
      }),
    ]);
    const { error, retry } = failure(state);
    expect(retry).toBe(true);
    expect(error.message).toContain(`HTTP ${status} (API Error: ${status} boom)`);
  });

  it.each([
    [429, 'rate limit'],
    [529, 'overloaded'],
  ])('HTTP %i from the API: a limit the queue waits out, not a failure', (status, words) => {
    const { state } = run([
      init(),
      result({
        is_error: true,
        api_error_status: status,
        terminal_reason: 'api_error',
        total_cost_usd: 0,
        result: `API Error: ${status} boom`,
      }),
    ]);
    const { error } = failure(state);
    expect(error.code).toBe('USAGE_LIMITED');
    expect(error.details).toMatchObject({ reason: 'limit', known: false, resetAt: expect.any(Number) });
    expect(error.message).toContain(words);
  });

  it.each([
    [401, 'Check ANTHROPIC_API_KEY'],
    [403, 'Check ANTHROPIC_API_KEY'],
    [400, 'Check ANTHROPIC_API_KEY and CLAUDE_MODEL'],
    [404, 'Check ANTHROPIC_API_KEY and CLAUDE_MODEL'],
  ])('HTTP %i from the API: not retried, with the fix', (status, fix) => {
    const { state } = run([
      init(),
      result({
        is_error: true,
        api_error_status: status,
        terminal_reason: 'api_error',
        result: 'Invalid API key · Fix external API key',
      }),
    ]);
    const { error, retry } = failure(state);
    expect(retry).toBe(false);
    expect(error.message).toContain(`HTTP ${status} (Invalid API key · Fix external API key)`);
    expect(error.message).toContain(fix);
  });

  it('API not reachable: retried', () => {
    const { state } = run([
      init(),
      result({
        is_error: true,
        api_error: 'connection_failed',
        terminal_reason: 'api_error',
        result: 'API Error: Connection refused (ECONNREFUSED)',
      }),
    ]);
    const { error, retry } = failure(state);
    expect(retry).toBe(true);
    expect(error.message).toContain('could not reach the Anthropic API');
    expect(error.message).toContain('ANTHROPIC_BASE_URL');
  });

  it('CLI not found: CLAUDE_MISSING with the install hint', () => {
    const { error, retry } = failure(
      createRunState(),
      { spawnError: 'ENOENT', stderrTail: '' },
      { bin: '/nonexistent' },
    );
    expect(error.code).toBe(ErrorCode.ClaudeMissing);
    expect(retry).toBe(false);
    expect(error.message).toBe(
      'Claude Code CLI not found at /nonexistent: npm install -g @anthropic-ai/claude-code or set CLAUDE_BIN',
    );
  });

  it.each([
    ['EACCES', 'cannot be run (EACCES: not executable)'],
    ['EINVAL', 'set CLAUDE_BIN to the claude.exe executable'],
  ])('CLI that cannot be started (%s): CLAUDE_MISSING with the fix', (spawnError, fix) => {
    const { error, retry } = failure(
      createRunState(),
      { spawnError, stderrTail: '' },
      { bin: 'C:\\tools\\claude.cmd' },
    );
    expect(error.code).toBe(ErrorCode.ClaudeMissing);
    expect(retry).toBe(false);
    expect(error.message).toContain(fix);
  });

  it('output that is not stream-json: CLAUDE_BAD_OUTPUT quoting the first line', () => {
    const state = createRunState();
    noteInvalidLine(state, 'Welcome to some other tool');
    noteInvalidLine(state, '<html>');
    const { error, retry } = failure(state, exited(0));
    expect(error.code).toBe(ErrorCode.ClaudeBadOutput);
    expect(retry).toBe(false);
    expect(error.message).toContain(
      'printed 2 line(s) that are not stream-json events (first: "Welcome to some other tool") and no result',
    );
    expect(error.message).toContain('CLAUDE_BIN');
  });

  it('a stray bad line does not spoil a run that has its result', () => {
    const { state } = run([init(), result({ result: 'ok' })]);
    noteInvalidLine(state, 'a warning printed to stdout');
    expect(decideOutcome(state, exited(0), CONTEXT)).toMatchObject({ ok: true, result: { text: 'ok' } });
  });

  it('non-zero exit without a result: CLAUDE_FAILED with the last stderr lines, secrets scrubbed', () => {
    const stderr = [
      'line 1',
      'line 2',
      'Error: --dangerously-skip-permissions cannot be used with root/sudo privileges',
      'key sk-ant-abcdefgh123 and hunter2-secret',
      '',
    ].join('\n');
    const { error, retry } = failure(createRunState(), exited(1, stderr), { ...CONTEXT, secrets: ['hunter2-secret'] });
    expect(error.code).toBe(ErrorCode.ClaudeFailed);
    expect(retry).toBe(false);
    expect(error.message).toContain(
      'Claude Code CLI exited with code 1 without a result: line 1\nline 2\nError: --dangerously-skip-permissions cannot be used',
    );
    expect(error.message).not.toContain('sk-ant-abcdefgh123');
    expect(error.message).not.toContain('hunter2-secret');
  });

  it('ended by a signal without a result', () => {
    const { error } = failure(createRunState(), { signal: 'SIGKILL', stderrTail: '' });
    expect(error.message).toBe('Claude Code CLI was ended by SIGKILL without a result and wrote nothing to stderr');
  });
});
