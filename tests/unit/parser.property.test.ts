// For any string, the grammar answers with a command or a typed error, and the
// Block Kit builders stay inside Slack's limits.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  escapeMrkdwn,
  MAX_JOB_TEXT,
  SLACK_LIMITS,
  truncate,
  type JobData,
  type JobPriority,
  type QueueName,
} from '@agentops/core';
import {
  decodeSlackText,
  helpMessage,
  parseBatch,
  parseMessage,
  parseSubcommand,
  plainMessage,
  jobCard,
  statusMessage,
  type ControllerMessage,
  type ParseResult,
  type StatusSnapshot,
} from '@agentops/controller';

const ERROR_CODES = new Set([
  'empty',
  'unknown_subcommand',
  'missing_id',
  'bad_id',
  'missing_worker_count',
  'bad_worker_count',
  'missing_priority',
  'bad_priority',
  'empty_text',
  'text_too_long',
  'batch_empty',
  'batch_too_large',
  'bad_state',
  'unexpected_argument',
]);

/** Text people (and attackers) type: words, emoji, CJK, controls, Slack markup, huge runs. */
const hostileText = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc
    .array(
      fc.constantFrom(
        'add',
        'addp1',
        'cancel',
        'promote',
        'workers',
        'p1:',
        'queue:',
        '\n',
        ' ',
        '#',
        '42',
        '😀',
        '漢',
        '\u0000',
        '<@U1>',
        '&lt;',
        '<https://x|y>',
        '-',
        '--json',
      ),
      { maxLength: 40 },
    )
    .map((parts) => parts.join(' ')),
  fc
    .tuple(
      fc.constantFrom('add ', 'queue:\n', 'p2: ', ''),
      fc.integer({ min: MAX_JOB_TEXT - 2, max: MAX_JOB_TEXT + 2 }),
      fc.constantFrom('x', '😀', '漢'),
    )
    .map(([head, count, char]) => head + char.repeat(count)),
);

function assertTotal(result: ParseResult): void {
  if (result.ok) {
    if (result.command.kind === 'add') {
      expect(result.command.items.length).toBeGreaterThan(0);
      for (const item of result.command.items) {
        expect(item.text.trim().length).toBeGreaterThan(0);
        expect([...item.text].length).toBeLessThanOrEqual(MAX_JOB_TEXT);
        expect([1, 2, 3]).toContain(item.priority);
        // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting that control characters were removed.
        expect(item.text).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/);
      }
    }
  } else {
    expect(ERROR_CODES.has(result.error.code)).toBe(true);
    expect(result.error.message.length).toBeGreaterThan(10);
  }
}

function assertWithinLimits(message: ControllerMessage): void {
  expect(message.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocksPerMessage);
  expect(message.text.length).toBeLessThanOrEqual(SLACK_LIMITS.messageText);
  let total = 0;
  for (const block of message.blocks as unknown as Record<string, unknown>[]) {
    const json = JSON.stringify(block);
    total += json.length;
    const section = block.text as { text?: string } | undefined;
    if (block.type === 'section' && section?.text)
      expect(section.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
    for (const field of (block.fields as { text: string }[] | undefined) ?? [])
      expect(field.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fieldText);
    for (const element of (block.elements as Record<string, unknown>[] | undefined) ?? []) {
      if (typeof element.action_id === 'string')
        expect(element.action_id.length).toBeLessThanOrEqual(SLACK_LIMITS.actionId);
      if (typeof element.value === 'string') expect(element.value.length).toBeLessThanOrEqual(SLACK_LIMITS.buttonValue);
      const label = element.text as { type?: string; text?: string } | undefined;
      if (element.type === 'button' && label?.text)
        expect(label.text.length).toBeLessThanOrEqual(SLACK_LIMITS.buttonText);
    }
    // No lone surrogate: a cut never splits an emoji.
    expect(json).not.toMatch(/\\ud[89ab][0-9a-f]{2}(?!\\ud[c-f])/i);
  }
  expect(total).toBeLessThanOrEqual(SLACK_LIMITS.totalBlockChars);
}

const job = (text: string, queue: QueueName, priority: JobPriority, patterns: string[]): JobData => ({
  id: '42',
  text,
  priority,
  queue,
  source: 'message',
  requestedBy: 'U123',
  createdAt: 1_700_000_000_000,
  routing: { queue, method: 'keyword', confidence: 0.9, patterns },
  slack: { channel: 'C123', user: 'U123', receiptTs: '1.2' },
});

describe('the grammar, for any input', () => {
  it('returns a command or a typed error from /queue text', () => {
    fc.assert(
      fc.property(hostileText, (text) => assertTotal(parseSubcommand(text, 'slash'))),
      { numRuns: 400 },
    );
  });

  it('returns a command or a typed error from a channel message', () => {
    fc.assert(
      fc.property(hostileText, (text) => assertTotal(parseMessage(text))),
      { numRuns: 400 },
    );
  });

  it('returns a command or a typed error from a batch and from Slack-decoded text', () => {
    fc.assert(
      fc.property(hostileText, (text) => {
        assertTotal(parseBatch(text, 'cli'));
        assertTotal(parseMessage(decodeSlackText(text, 'U0BOT')));
      }),
      { numRuns: 300 },
    );
  });
});

describe('Block Kit builders, for any input', () => {
  it('keep receipts inside every Slack limit and never let job text mention anyone', () => {
    fc.assert(
      fc.property(
        hostileText,
        fc.constantFrom<QueueName>('code', 'local', 'research'),
        fc.constantFrom<JobPriority>(1, 2, 3),
        fc.array(fc.string({ maxLength: 400 }), { maxLength: 30 }),
        fc.option(fc.string({ maxLength: 5_000 }), { nil: undefined }),
        (text, queue, priority, patterns, note) => {
          const message = jobCard({
            data: job(text.length > 0 ? text : 'x', queue, priority, patterns),
            state: { kind: 'failed', attempt: { n: 1, max: 3 }, reason: text },
            ...(note === undefined ? {} : { note }),
          });
          assertWithinLimits(message);
          expect(JSON.stringify(message.blocks)).not.toMatch(/<!(channel|here|everyone)>/);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keep status boards, help and plain messages inside every limit', () => {
    const counts = fc.record({
      waiting: fc.nat(),
      active: fc.nat(),
      delayed: fc.nat(),
      completed: fc.nat(),
      failed: fc.nat(),
    });
    const snapshot = fc.record({
      queues: fc.tuple(counts, counts, counts, fc.boolean(), fc.nat({ max: 1_000 })).map(([a, b, c, paused, workers]) =>
        (['code', 'local', 'research'] as const).map((name, index) => ({
          name,
          counts: [a, b, c][index]!,
          paused,
          globalConcurrency: null,
          workers,
        })),
      ),
      paused: fc.boolean(),
      globalConcurrency: fc.option(fc.integer({ min: 1, max: 6 }), { nil: null }),
      takenAt: fc.integer({ min: 0, max: 4_000_000_000_000 }),
    });
    fc.assert(
      fc.property(snapshot, fc.option(hostileText, { nil: undefined }), (status, note) => {
        assertWithinLimits(statusMessage(status as StatusSnapshot, note === undefined ? {} : { note }));
      }),
      { numRuns: 200 },
    );
    fc.assert(
      fc.property(hostileText, (text) => assertWithinLimits(plainMessage(text))),
      { numRuns: 200 },
    );
    assertWithinLimits(helpMessage());
  });

  it('truncate never exceeds its budget nor splits a surrogate pair', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 500 }), fc.integer({ min: 1, max: 600 }), (text, max) => {
        const cut = truncate(text, max);
        expect(cut.length).toBeLessThanOrEqual(Math.max(max, 1));
        expect(cut).not.toMatch(/[\uD800-\uDBFF]$/);
      }),
      { numRuns: 500 },
    );
  });

  it('escapes mrkdwn so that decoding Slack text and escaping it again is safe', () => {
    fc.assert(
      fc.property(hostileText, (text) => {
        expect(escapeMrkdwn(text)).not.toMatch(/[<>]/);
      }),
      { numRuns: 300 },
    );
  });
});
