// For any string, the grammar answers with a command or a typed error, and the
// Block Kit builders stay inside Slack's limits and never let text that is not
// AgentOps' own (job text, model answers, failure reasons) mention anyone.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  blockChars,
  codeBlock,
  escapeMrkdwn,
  findBidiControl,
  hasVisibleText,
  MAX_JOB_TEXT,
  mention,
  removeFormatChars,
  SLACK_LIMITS,
  truncate,
  type JobData,
  type JobPriority,
  type QueueName,
  type SlackMessage,
} from '@agentops/core';
import {
  answerMessages,
  answerSummary,
  cancelledNotice,
  decodeSlackText,
  failureNotice,
  formatDetails,
  formatList,
  helpMessage,
  parseBatch,
  parseMessage,
  parseSubcommand,
  plainMessage,
  planAnswer,
  jobCard,
  statusMessage,
  type CardState,
  type ControllerMessage,
  type JobDetails,
  type ParseResult,
  type PastJob,
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
  'bidi_control',
]);

/** Slack's special syntax and Markdown that hides an address, as a model or a web page could write them. */
const SLACK_SYNTAX = [
  '<!channel>',
  '<!here>',
  '<!everyone>',
  '<!subteam^S0TEAM|@team>',
  '<@U0BOSS1>',
  '<@U0BOSS1|boss>',
  '<#C0GENERAL|general>',
  '<!date^1^{time_secs}|x>',
  '&lt;!here&gt;',
  '&amp;',
  '<https://evil.example|https://docs.example.com>',
  '[https://docs.example.com](https://evil.example/steal)',
  '[docs.example.com](https://evil.example)',
  '[the docs](https://docs.example.com)',
  '![chart](https://img.example/a.png)',
  '[ref]',
  '\n\n[ref]: https://evil.example\n',
  '[x](javascript:alert(1))',
  '[a@good.example](mailto:a@evil.example)',
  'https://docs.example.com',
  '<b>',
  '</b>',
  '```',
  '`',
  '**',
  '_',
  '# ',
  '> ',
  '- ',
  '|',
  '&',
  '<',
  '>',
  '[',
  '](',
  ')',
  '\u200b',
  '\u202e',
  '\u2066',
  '\ufeff',
  '\u00ad',
  '👩‍💻',
];

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
        ...SLACK_SYNTAX,
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
        // No bidi override or isolate got through, no removable format character is left, something shows.
        expect(findBidiControl(item.text)).toBeUndefined();
        expect(removeFormatChars(item.text)).toBe(item.text);
        expect(hasVisibleText(item.text)).toBe(true);
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

/** Markdown a model could answer with: the hostile strings above, and the same syntax run together. */
const hostileMarkdown = fc.oneof(
  hostileText,
  fc
    .array(fc.constantFrom(...SLACK_SYNTAX, 'word', ' ', '\n', '\n\n', '😀', 'x'), { maxLength: 80 })
    .map((parts) => parts.join('')),
);

/** Someone AgentOps names: a Slack user id (mentioned), a CLI user, or anything at all (shown as text). */
const person = fc.oneof(fc.constantFrom('U0ALICE', 'W0BOB12', 'cli:alice'), hostileText);

const OUR_DATE = /^<!date\^\d+\^\{time_secs\}\|\d{2}:\d{2}:\d{2} UTC>$/;
const OUR_LINK = /^<((?:https?|mailto):[^\s|<>]+)(?:\|([^<>]*))?>$/;

/** Every text of a message Slack reads: the notification text and every text of its blocks. */
function textsOf(message: { text: string; blocks: unknown[] }): string[] {
  const texts = [message.text];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object')
      for (const [key, inner] of Object.entries(value)) {
        if (key === 'text' && typeof inner === 'string') texts.push(inner);
        else walk(inner);
      }
  };
  walk(message.blocks);
  return texts;
}

const unescapeMrkdwn = (text: string) => text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
const hostOf = (url: string) => {
  try {
    return new URL(url).hostname.replace(/^www\./, '');
  } catch {
    return undefined;
  }
};

/**
 * The only `<…>` Slack may read in a message: mentions of the people AgentOps
 * names itself, its own times, and links whose label, when it is a web
 * address, names the host the link opens.
 */
function assertMentionsOnly(message: { text: string; blocks: unknown[] }, people: readonly string[] = []): void {
  const ours = new Set(people.map(mention).filter((shown) => shown.startsWith('<@')));
  for (const text of textsOf(message)) {
    const rest = text.replace(/<[^<>]*>/g, (token) => {
      if (ours.has(token) || OUR_DATE.test(token)) return '';
      const link = OUR_LINK.exec(token);
      if (!link) return token;
      const label = unescapeMrkdwn(link[2] ?? '').trim();
      if (/^https?:\/\/\S+$/i.test(label)) expect(hostOf(label), token).toBe(hostOf(unescapeMrkdwn(link[1] ?? '')));
      return '';
    });
    expect(rest, text).not.toMatch(/<[!@#]|<!subteam/);
    expect(rest, text).not.toContain('<');
  }
}

/** Answers are budgeted on their text (SLACK_LIMITS.totalBlockChars counts characters of text, as blockChars does). */
function assertAnswerWithinLimits(message: SlackMessage): void {
  expect(message.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocksPerMessage);
  expect(blockChars(message.blocks)).toBeLessThanOrEqual(SLACK_LIMITS.totalBlockChars);
  for (const block of message.blocks)
    if (block.type === 'section') expect(block.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
  expect(message.text.length).toBeLessThanOrEqual(SLACK_LIMITS.messageText);
  expect(JSON.stringify(message)).not.toMatch(/\\ud[89ab][0-9a-f]{2}(?!\\ud[c-f])/i);
}

const someJob = (text: string, user: string): JobData => ({
  ...job(text.trim() ? text : 'x', 'research', 3, [text]),
  requestedBy: user,
  slack: { channel: 'C123', user, receiptTs: '1.2' },
});

const cardState = fc.oneof(
  fc.record({ kind: fc.constant('queued' as const), position: fc.nat({ max: 100 }) }),
  fc.record({
    kind: fc.constant('running' as const),
    since: fc.integer({ min: 0, max: 4_000_000_000_000 }),
    attempt: fc.constant({ n: 1, max: 3 }),
    step: hostileText,
  }),
  fc.record({ kind: fc.constant('retrying' as const), attempt: fc.constant({ n: 1, max: 3 }), reason: hostileText }),
  fc.record({
    kind: fc.constant('completed' as const),
    elapsedMs: fc.nat(),
    stats: fc.record({
      model: hostileText,
      costUsd: fc.double({ min: 0, max: 10, noNaN: true }),
      turns: fc.nat({ max: 50 }),
      permissionDenials: fc.array(fc.record({ tool: hostileText }), { maxLength: 3 }),
    }),
  }),
  fc.record({ kind: fc.constant('failed' as const), attempt: fc.constant({ n: 3, max: 3 }), reason: hostileText }),
  fc.record({ kind: fc.constant('cancelled' as const), by: person }),
) as fc.Arbitrary<CardState>;

describe('what reaches Slack, for any input, mentions only whom AgentOps names', () => {
  it('job cards: job text, requester, routing, steps, models, failure reasons, similar jobs', () => {
    fc.assert(
      fc.property(hostileText, person, cardState, person, hostileText, (text, user, state, actor, pastText) => {
        const similar: PastJob[] = [
          {
            jobId: '7',
            queue: 'local',
            status: 'completed',
            text: pastText,
            score: 0.8,
            channel: 'C1',
            receiptTs: '1.2',
          },
        ];
        const message = jobCard({
          data: someJob(text, user),
          state,
          note: `:repeat: Retried by ${mention(actor)}`,
          similar,
          workspaceUrl: 'https://team.slack.com/',
        });
        assertWithinLimits(message);
        assertMentionsOnly(message, [user, actor, state.kind === 'cancelled' ? state.by : '']);
      }),
      { numRuns: 250 },
    );
  }, 60_000);

  it('failure and cancel notices', () => {
    fc.assert(
      fc.property(hostileText, person, (reason, by) => {
        for (const message of [failureNotice('42', { n: 2, max: 3 }, reason), cancelledNotice('42', by)]) {
          assertWithinLimits(message);
          assertMentionsOnly(message, [by]);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('answers, inline and as a summary, whatever Markdown the model writes', () => {
    fc.assert(
      fc.property(hostileMarkdown, (markdown) => {
        for (const message of [...answerMessages('42', markdown), answerSummary('42', markdown)]) {
          assertAnswerWithinLimits(message);
          assertMentionsOnly(message);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('long answers, split across messages or uploaded with a summary', () => {
    fc.assert(
      fc.property(hostileMarkdown, fc.integer({ min: 20, max: 100 }), (markdown, times) => {
        const long = `${markdown}\n\n`.repeat(times);
        const plan = planAnswer('42', long, 20_000);
        const messages = plan.kind === 'inline' ? plan.messages : [plan.summary];
        for (const message of messages) {
          assertAnswerWithinLimits(message);
          assertMentionsOnly(message);
        }
      }),
      { numRuns: 12 },
    );
  }, 120_000);

  it('tables of jobs and job details shown in Slack, status boards and help', () => {
    fc.assert(
      fc.property(hostileText, hostileText, person, (text, reason, user) => {
        const details: JobDetails = {
          id: '42',
          queue: 'research',
          status: 'failed',
          data: someJob(text, user),
          priority: 3,
          attemptsMade: 3,
          attempts: 3,
          createdAt: 1_700_000_000_000,
          failedReason: reason,
          result: { text: reason },
          cancel: { by: user, at: 1_700_000_000_000 },
        };
        for (const shown of [formatList([details, details]), formatDetails(details)]) {
          const message = plainMessage(codeBlock(shown, SLACK_LIMITS.sectionText));
          assertWithinLimits(message);
          assertMentionsOnly(message);
        }
        const status = statusMessage(
          {
            queues: [],
            paused: true,
            globalConcurrency: null,
            takenAt: 0,
          } as unknown as StatusSnapshot,
          { note: `:double_vertical_bar: Paused by ${mention(user)}` },
        );
        assertMentionsOnly(status, [user]);
      }),
      { numRuns: 120 },
    );
    assertMentionsOnly(helpMessage());
  }, 60_000);
});
