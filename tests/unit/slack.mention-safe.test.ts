// What AgentOps posts never pings or mentions anyone it did not mean to, and
// never hides where a link goes: a model's answer, job text and failure
// reasons are escaped in blocks and in the fallback text alike. The property
// test over any input is in parser.property.test.ts.
import { describe, expect, it } from 'vitest';
import { codeBlock, splitMrkdwn, truncateMrkdwn, type JobData } from '@agentops/core';
import {
  answerMessages,
  answerSummary,
  cancelledNotice,
  failureNotice,
  helpMessage,
  jobCard,
  toMrkdwn,
} from '@agentops/controller';

/** The finding of issue 13, as a model answered it. */
const FINDING = '<!channel> <!here> <@U0BOSS1> and [https://docs.example.com](https://evil.example/steal)';
const PINGS = /<!channel>|<!here>|<!everyone>|<@U0BOSS1|<!subteam|<#C0/;

/** The notification text and every mrkdwn text of a message's blocks. */
function texts(message: { text: string; blocks: unknown[] }): string[] {
  const found = [message.text];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object')
      for (const [key, inner] of Object.entries(value)) {
        if (key === 'text' && typeof inner === 'string') found.push(inner);
        else walk(inner);
      }
  };
  walk(message.blocks);
  return found;
}

const job = (text: string): JobData => ({
  id: '42',
  text,
  priority: 3,
  queue: 'research',
  source: 'message',
  requestedBy: 'U0ALICE',
  createdAt: 1_764_590_400_000,
  routing: { queue: 'research', method: 'keyword', confidence: 0.9, patterns: ['research'] },
  slack: { channel: 'C0TEST', user: 'U0ALICE' },
});

describe('a model answer', () => {
  it('is posted with <!channel>, <!here> and <@U0BOSS1> neutralised, in blocks and in text, and the real target visible', () => {
    const messages = [...answerMessages('42', FINDING), answerSummary('42', FINDING)];
    for (const message of messages) {
      const [text, ...blocks] = texts(message);
      for (const shown of [text ?? '', blocks.join('\n')]) {
        expect(shown).not.toMatch(PINGS);
        // Slack renders the escapes as the characters, so readers see what the model wrote.
        expect(shown).toContain('&lt;!channel&gt; &lt;!here&gt; &lt;@U0BOSS1&gt;');
      }
      expect(blocks.join('\n')).toContain('https://evil.example/steal');
      // No link anywhere says it goes to docs.example.com.
      expect(blocks.join('\n')).not.toMatch(/\|https:\/\/docs\.example\.com>/);
    }
  });

  it('shows the real address of a link whose label is another URL or domain', () => {
    const real = '<https://evil.example/steal|https://evil.example/steal>';
    expect(toMrkdwn('[https://docs.example.com](https://evil.example/steal)')).toBe(real);
    expect(toMrkdwn('See [docs.example.com](https://evil.example/steal).')).toBe(`See ${real}.`);
    expect(toMrkdwn('[read https://docs.example.com first](https://evil.example/steal)')).toBe(real);
    expect(toMrkdwn('[https://docs.example.com][d]\n\n[d]: https://evil.example/steal')).toBe(real);
    expect(toMrkdwn('[pay@bank.example](mailto:pay@evil.example)')).toBe('<mailto:pay@evil.example|pay@evil.example>');
  });

  it('keeps links whose label is plain words, or names the host they open', () => {
    expect(toMrkdwn('[the guide](https://docs.example.com/guide)')).toBe('<https://docs.example.com/guide|the guide>');
    expect(toMrkdwn('[docs.example.com](https://www.docs.example.com/guide)')).toBe(
      '<https://www.docs.example.com/guide|docs.example.com>',
    );
    expect(toMrkdwn('<https://docs.example.com/a>')).toBe('<https://docs.example.com/a|https://docs.example.com/a>');
    // Not a web or mail address: the words, never a link.
    expect(toMrkdwn('[click](javascript:alert(1))')).toBe('click');
    // A label cannot carry Slack syntax either.
    expect(toMrkdwn('[<!channel> look](https://docs.example.com/)')).toBe(
      '<https://docs.example.com/|&lt;!channel&gt; look>',
    );
  });

  it('shows raw HTML and Slack syntax as written, never as markup', () => {
    expect(toMrkdwn('<!subteam^S0TEAM|@team> <#C0GENERAL|general> <!everyone>')).toBe(
      '&lt;!subteam^S0TEAM|@team&gt; &lt;#C0GENERAL|general&gt; &lt;!everyone&gt;',
    );
    expect(toMrkdwn('Hi <b>there</b> &amp; <@U0BOSS1>')).toBe('Hi &lt;b&gt;there&lt;/b&gt; &amp; &lt;@U0BOSS1&gt;');
    expect(toMrkdwn('**bold** and <https://evil.example|https://docs.example.com>')).not.toMatch(/<https:\/\/evil/);
  });

  it('keeps code blocks readable: escaped like the rest, which Slack shows as typed', () => {
    expect(toMrkdwn('```\nif (a < b && c > d) notify("<!here>")\n```')).toBe(
      '```\nif (a &lt; b &amp;&amp; c &gt; d) notify("&lt;!here&gt;")\n```',
    );
    expect(toMrkdwn('Run `echo <@U0BOSS1>` now')).toBe('Run `echo &lt;@U0BOSS1&gt;` now');
    // A ``` inside a ~~~ block would end Slack's block early: its backticks are kept apart.
    expect(toMrkdwn('~~~\n```\n~~~')).toBe('```\n`\u200b`\u200b`\n```');
  });
});

describe('job text, failure reasons and names in cards and notices', () => {
  const hostile = '<!channel> ping <@U0BOSS1> & <#C0GENERAL>';

  it('are escaped in the card, blocks and text alike, and only the requester is mentioned', () => {
    const card = jobCard({
      data: job(hostile),
      state: { kind: 'failed', attempt: { n: 3, max: 3 }, reason: `Error: ${hostile}` },
    });
    for (const shown of texts(card)) expect(shown).not.toMatch(PINGS);
    expect(card.text).toContain('&lt;!channel&gt; ping &lt;@U0BOSS1&gt; &amp; &lt;#C0GENERAL&gt;');
    expect(JSON.stringify(card.blocks)).toContain('requested by <@U0ALICE>');
  });

  it('never turn a forged requester id or a cost below a cent into Slack syntax', () => {
    const forged = jobCard({
      data: { ...job('draft a note'), slack: { channel: 'C0TEST', user: 'U0ALICE><!channel' } },
      state: { kind: 'completed', elapsedMs: 1_000, stats: { costUsd: 0.001 } },
    });
    const blocks = JSON.stringify(forged.blocks);
    expect(blocks).not.toMatch(PINGS);
    expect(blocks).toContain('requested by U0ALICE&gt;&lt;!channel');
    expect(blocks).toContain('&lt;$0.01');
  });

  it('are escaped in the failure and cancel notices, blocks and text alike', () => {
    const failure = failureNotice('42', { n: 3, max: 3 }, `LM Studio said: ${hostile}`);
    const cancelled = cancelledNotice('42', '<!here>');
    for (const message of [failure, cancelled]) for (const shown of texts(message)) expect(shown).not.toMatch(PINGS);
    expect(failure.text).toContain('&lt;!channel&gt;');
    expect(cancelled.text).toBe('Job #42 cancelled by &lt;!here&gt;');
    expect(JSON.stringify(cancelledNotice('42', 'U0BOB').blocks)).toContain('cancelled by <@U0BOB>');
  });

  it('help shows <text> and <id> as written, not as Slack links', () => {
    const help = JSON.stringify(helpMessage().blocks);
    expect(help).toContain('/queue cancel &lt;id&gt;');
    expect(help).not.toMatch(/<(?:text|id|any text)>/);
  });
});

describe('mrkdwn helpers', () => {
  it('codeBlock escapes, keeps ``` apart and closes the block when it cuts', () => {
    expect(codeBlock('a <@U0BOSS1> & ``` b')).toBe('```\na &lt;@U0BOSS1&gt; &amp; `\u200b`\u200b` b\n```');
    const long = codeBlock('<'.repeat(5_000), 3_000);
    expect(long.length).toBeLessThanOrEqual(3_000);
    expect(long.endsWith('&lt;\n…\n```')).toBe(true);
  });

  it('truncateMrkdwn never ends in half an escape or half a link', () => {
    expect(truncateMrkdwn('abcdef&lt;ghij', 9)).toBe('abcdef…');
    expect(truncateMrkdwn('see <https://docs.example.com/a|the docs> now', 20)).toBe('see…');
    expect(truncateMrkdwn('short', 10)).toBe('short');
  });

  it('splitMrkdwn cuts beside a link or an escape, not inside it, when it can', () => {
    const link = '<https://docs.example.com/guide|the guide to everything>';
    const text = `${'word '.repeat(20)}${link} ${'&lt;'.repeat(30)}`;
    for (const max of [120, 130, 140, 150, 160]) {
      const pieces = splitMrkdwn(text, max);
      expect(pieces.join('')).toBe(text);
      for (const piece of pieces) {
        expect(piece.length).toBeLessThanOrEqual(max);
        expect(piece).not.toMatch(/&[a-z]{0,3}$|<[^<>]*$/);
      }
    }
  });
});
