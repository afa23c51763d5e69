// How an answer is laid out for its thread: Markdown converted to mrkdwn, long
// answers split within Block Kit limits or handed over as a file, whole.
import { describe, expect, it } from 'vitest';
import { ANSWER_FILE_THRESHOLD, answerMessages, packSections, planAnswer, toMrkdwn } from '@agentops/controller';
import { SLACK_LIMITS, blockChars, type SlackMessage } from '@agentops/core';

function sectionTexts(messages: SlackMessage[]): string[] {
  return messages.flatMap((message) =>
    message.blocks.flatMap((block) => (block.type === 'section' ? [block.text.text] : [])),
  );
}

function expectWithinLimits(message: SlackMessage): void {
  expect(message.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocksPerMessage);
  expect(blockChars(message.blocks)).toBeLessThanOrEqual(SLACK_LIMITS.totalBlockChars);
  for (const text of sectionTexts([message])) expect(text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
  expect(message.text.length).toBeLessThanOrEqual(SLACK_LIMITS.messageText);
}

/** A long answer with paragraphs, lists, emoji and CJK, so cuts land on all kinds of text. */
function longAnswer(chars: number): string {
  const parts = [
    '## Section\n\n',
    'A paragraph with **bold** words, an emoji 👨‍👩‍👧‍👦 and 日本語の文章。 ',
    '- a bullet point\n',
    'Plain sentence here. ',
    '\n\n',
  ];
  let text = '';
  for (let i = 0; text.length < chars; i += 1) text += parts[i % parts.length];
  return text.slice(0, chars);
}

describe('answer messages', () => {
  it('converts Markdown to Slack mrkdwn', () => {
    const [message] = answerMessages(
      '7',
      '# Summary\n\nThis is **important**, see [the docs](https://example.com/docs).\n\n- one\n- two',
    );
    const text = sectionTexts([message!]).join('');
    expect(text).toContain('*Summary*');
    expect(text).toMatch(/\*important\*/);
    expect(text).not.toContain('**');
    expect(text).toContain('<https://example.com/docs|the docs>');
    expect(text).toContain('•');
  });

  it('posts a short answer as one message with one section', () => {
    const messages = answerMessages('7', 'Hello there.');
    expect(messages).toHaveLength(1);
    expect(messages[0]!.blocks).toEqual([{ type: 'section', text: { type: 'mrkdwn', text: 'Hello there.' } }]);
    expect(messages[0]!.text).toContain('Hello there.');
  });

  it('splits a long answer across sections and messages within every limit, keeping all of it', () => {
    const markdown = longAnswer(45_000);
    const messages = answerMessages('9', markdown);
    expect(messages.length).toBeGreaterThan(3);
    messages.forEach(expectWithinLimits);
    // Every part is labelled so a reader knows more follows.
    for (const [index, message] of messages.entries()) {
      expect(JSON.stringify(message.blocks)).toContain(`part ${index + 1}/${messages.length}`);
    }
    expect(sectionTexts(messages).join('')).toBe(toMrkdwn(markdown));
  });

  it('packs pieces into as few messages as the block and character budgets allow', () => {
    expect(packSections(['a'.repeat(5), 'b'.repeat(5), 'c'.repeat(5)], { maxBlocks: 2, maxChars: 100 })).toEqual([
      ['a'.repeat(5), 'b'.repeat(5)],
      ['c'.repeat(5)],
    ]);
    expect(packSections(['a'.repeat(60), 'b'.repeat(60)], { maxBlocks: 10, maxChars: 100 })).toHaveLength(2);
    expect(packSections([], { maxBlocks: 10, maxChars: 100 })).toEqual([]);
  });
});

describe('planAnswer', () => {
  it(`posts answers up to ${ANSWER_FILE_THRESHOLD} characters inline`, () => {
    const plan = planAnswer('3', longAnswer(ANSWER_FILE_THRESHOLD));
    expect(plan.kind).toBe('inline');
  });

  it('uploads a longer answer whole as a Markdown file, with a summary showing its beginning', () => {
    const markdown = longAnswer(60_000);
    const plan = planAnswer('42', markdown);
    if (plan.kind !== 'file') throw new Error('expected a file');
    expect(plan.file.content).toBe(markdown);
    expect(plan.file.filename).toBe('job-42-answer.md');
    expectWithinLimits(plan.summary);
    const summary = JSON.stringify(plan.summary.blocks);
    expect(summary).toContain('*Section*');
    expect(summary).toContain('60,000 characters');
    expect(summary).toContain('job-42-answer.md');
  });
});
