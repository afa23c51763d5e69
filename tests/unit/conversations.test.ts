// A job thread as a conversation, the pure parts: reading a follow-up and the
// plan and handoff commands, which earlier turn a Claude run resumes, what a
// new session's prompt carries, the local model's chat history within its
// budget, the terminal handoff line, and closing an answer with it.
import { describe, expect, it } from 'vitest';
import type { ConversationTurn, SlackMessage } from '@agentops/core';
import {
  closeAnswer,
  closingBlocks,
  handoffCommand,
  parseFollowUp,
  parseMessage,
  parseSubcommand,
  planAnswer,
} from '@agentops/controller';
import { continuationPrompt, historyMessages, pickResume } from '@agentops/worker-kit';

const SESSION = '3f1c2a9e-7b4d-4c1e-9a2b-0d5e6f7a8b9c';
const turn = (job: string, extra: Partial<ConversationTurn> = {}): ConversationTurn => ({
  job,
  queue: 'code',
  text: `text of ${job}`,
  answer: `answer of ${job}`,
  at: Number(job),
  ...extra,
});

describe('reading a follow-up', () => {
  it('keeps the thread’s queue unless the text names one', () => {
    expect(parseFollowUp('also add a test')).toEqual({
      ok: true,
      followUp: { request: { text: 'also add a test', priority: 3 } },
    });
    expect(parseFollowUp('Code: implement what you found')).toEqual({
      ok: true,
      followUp: { request: { text: 'implement what you found', priority: 3 }, queue: 'code' },
    });
    expect(parseFollowUp('research: p1: compare the two libraries')).toEqual({
      ok: true,
      followUp: { request: { text: 'compare the two libraries', priority: 1 }, queue: 'research' },
    });
  });

  it('puts a plan on the code queue in plan mode', () => {
    expect(parseFollowUp('plan: split the module')).toEqual({
      ok: true,
      followUp: { request: { text: 'split the module', priority: 3, mode: 'plan' }, queue: 'code' },
    });
  });

  it('refuses an empty follow-up or one with a bidi control, saying what to do', () => {
    const empty = parseFollowUp('code:   ');
    expect(empty.ok).toBe(false);
    if (!empty.ok) expect(empty.error.message).toContain('Say what the job should do');
    const bidi = parseFollowUp('fix \u202Ethis');
    expect(bidi.ok).toBe(false);
    if (!bidi.ok) expect(bidi.error.code).toBe('bidi_control');
  });
});

describe('plan and handoff commands', () => {
  it('reads plan: in the channel and /queue plan', () => {
    expect(parseMessage('plan: p2: move the config loader')).toEqual({
      ok: true,
      command: { kind: 'add', items: [{ text: 'move the config loader', priority: 2, mode: 'plan' }], batch: false },
    });
    expect(parseSubcommand('plan tidy the router')).toEqual({
      ok: true,
      command: { kind: 'add', items: [{ text: 'tidy the router', priority: 3, mode: 'plan' }], batch: false },
    });
    const empty = parseSubcommand('plan', 'cli');
    expect(empty.ok).toBe(false);
    if (!empty.ok) expect(empty.error.usage).toBe('agentops plan <text>');
  });

  it('keeps resume alone for the queues and reads resume <id> as a handoff', () => {
    expect(parseSubcommand('resume')).toEqual({ ok: true, command: { kind: 'resume' } });
    expect(parseSubcommand('resume #42', 'cli')).toEqual({ ok: true, command: { kind: 'handoff', id: '42' } });
    expect(parseSubcommand('handoff 7')).toEqual({ ok: true, command: { kind: 'handoff', id: '7' } });
    const bad = parseSubcommand('resume everything');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.message).toContain('`resume` alone resumes the queues');
    const missing = parseSubcommand('handoff');
    expect(missing.ok).toBe(false);
    if (!missing.ok) expect(missing.error.code).toBe('missing_id');
  });
});

describe('which session a follow-up resumes', () => {
  const folder = '/work/api';
  it('resumes the latest turn of the same queue that ran in the same folder', () => {
    const history = [
      turn('1', { sessionId: SESSION, workdir: folder }),
      turn('2', { sessionId: `${SESSION.slice(0, -1)}0`, workdir: folder }),
    ];
    expect(pickResume(history, 'code', folder)?.job).toBe('2');
  });

  it('starts afresh when the latest session ran elsewhere, on another queue, or has no usable id', () => {
    expect(pickResume([turn('1', { sessionId: SESSION, workdir: '/elsewhere' })], 'code', folder)).toBeUndefined();
    expect(
      pickResume([turn('1', { queue: 'research', sessionId: SESSION, workdir: folder })], 'code', folder),
    ).toBeUndefined();
    expect(pickResume([turn('1', { sessionId: '--dangerous', workdir: folder })], 'code', folder)).toBeUndefined();
    expect(pickResume([turn('1')], 'code', folder)).toBeUndefined();
  });

  it('carries the earlier turns into a new session’s prompt, the request last', () => {
    const prompt = continuationPrompt('implement it', [
      turn('4', { queue: 'research', answer: 'Use a token bucket.' }),
    ]);
    expect(prompt).toContain('Job #4 (research) was asked\ntext of 4');
    expect(prompt).toContain('Use a token bucket.');
    expect(prompt.trim().endsWith('implement it')).toBe(true);
    expect(continuationPrompt('just this', [])).toBe('just this');
  });

  it('keeps the newest answers when the earlier ones are too long', () => {
    const prompt = continuationPrompt('next', [turn('1', { answer: 'a'.repeat(20_000) }), turn('2')]);
    expect(prompt).toContain('answer of 2');
    expect(prompt.length).toBeLessThan(14_000);
  });
});

describe('a local follow-up’s chat history', () => {
  it('sends the earlier turns as user and assistant messages, oldest first', () => {
    expect(historyMessages([turn('1'), turn('2')], 1_000)).toEqual([
      { role: 'user', content: 'text of 1' },
      { role: 'assistant', content: 'answer of 1' },
      { role: 'user', content: 'text of 2' },
      { role: 'assistant', content: 'answer of 2' },
    ]);
  });

  it('drops the oldest turns beyond the token budget, and everything at 0', () => {
    const long = turn('1', { answer: 'x'.repeat(4_000) });
    expect(historyMessages([long, turn('2')], 100).map((message) => message.content)).toEqual([
      'text of 2',
      'answer of 2',
    ]);
    expect(historyMessages([turn('1')], 0)).toEqual([]);
  });
});

describe('the terminal handoff', () => {
  it('quotes folders for the shell and checks the session id', () => {
    expect(handoffCommand({ sessionId: SESSION, workdir: '/src/api' })).toBe(
      `cd /src/api && claude --resume ${SESSION}`,
    );
    expect(handoffCommand({ sessionId: SESSION, workdir: "/home/me/it's here" })).toBe(
      `cd '/home/me/it'\\''s here' && claude --resume ${SESSION}`,
    );
    expect(handoffCommand({ sessionId: SESSION, workdir: 'C:\\src\\my api' })).toBe(
      `cd "C:\\src\\my api" && claude --resume ${SESSION}`,
    );
    expect(handoffCommand({ sessionId: 'x; rm -rf ~', workdir: '/src/api' })).toBeUndefined();
    expect(handoffCommand({ sessionId: SESSION })).toBeUndefined();
    expect(handoffCommand(undefined)).toBeUndefined();
  });

  it('closes an answer in its last message, or in one more when that one is full', () => {
    const blocks = closingBlocks({ sessionId: SESSION, workdir: '/src/api' });
    expect(JSON.stringify(blocks)).toContain(`claude --resume ${SESSION}`);
    const short = closeAnswer(planAnswer('5', 'Done: changed one file.'), blocks);
    expect(short.kind).toBe('inline');
    if (short.kind === 'inline') {
      expect(short.messages).toHaveLength(1);
      expect(short.messages[0]?.blocks.at(-1)).toEqual(blocks[0]);
    }
    const full = closeAnswer(planAnswer('6', 'word '.repeat(2_350)), blocks);
    if (full.kind === 'inline') {
      const last = full.messages.at(-1) as SlackMessage;
      expect(last.blocks.at(-1)).toEqual(blocks[0]);
      for (const message of full.messages)
        expect(JSON.stringify(message.blocks).length).toBeLessThanOrEqual(12_000 + 2_000);
    }
    expect(closeAnswer(planAnswer('7', 'x'), [])).toEqual(planAnswer('7', 'x'));
  });
});
