// A model answer cannot ping the channel (issue 13, finding 4), with the real
// processes: a message in the channel, the controller over Socket Mode, the
// built local worker asking the LM Studio stand-in, which answers with
// broadcast mentions, a user mention and a link whose label is another
// address. What the Slack simulator receives is neutralised in blocks and in
// the notification text, and the link's real target is visible.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastUserMessage } from '../support/llm/openai-standin.js';
import { logRecordsMatching } from '../support/logs.js';
import { REPO_ROOT, startNode, waitFor, type RunningProcess } from '../support/processes.js';
import { releaseAfter } from '../support/release-after.js';
import { deliveryKeyOf, startSlackStack, type SlackStack } from '../support/slack-stack.js';

const WORKER = path.join(REPO_ROOT, 'workers', 'local-worker', 'dist', 'worker.js');
const FINDING = '<!channel> <!here> <@U0BOSS1> and [https://docs.example.com](https://evil.example/steal)';
const LINK_ONLY = 'Read [https://docs.example.com](https://evil.example/steal) before <!everyone> does.';
const PINGS = /<!channel>|<!here>|<!everyone>|<@U0BOSS1>/;

let stack: SlackStack;
let worker: RunningProcess;
beforeAll(async () => {
  stack = await startSlackStack({
    llm: {
      respond: ({ path: requestPath, body }) => {
        if (requestPath !== '/v1/chat/completions') return undefined;
        const asked = lastUserMessage(body);
        if (asked.includes('the pinging notes')) return { content: FINDING };
        if (asked.includes('the lying link')) return { content: LINK_ONLY };
        return undefined;
      },
    },
  });
  worker = startNode(WORKER, { ...stack.queues.env, LM_STUDIO_URL: stack.llm.baseURL, LOG_LEVEL: 'info' });
  releaseAfter(() => worker.stop('SIGKILL'));
  await waitFor(
    () => {
      if (worker.child.exitCode !== null) throw new Error(`the worker exited:\n${worker.output()}`);
      return logRecordsMatching(worker.output(), { started: 'local' }).length > 0;
    },
    20_000,
    'the local worker to start',
  );
}, 60_000);
afterAll(async () => {
  await worker?.stop('SIGTERM');
  await stack?.close();
});

/** Sends `text` as a channel message and returns the answer posted in its job's thread. */
async function answerTo(text: string) {
  await stack.sim.sendMessage({ text });
  const job = await waitFor(
    async () => (await stack.queues.manager.list(undefined, 100)).find((entry) => entry.data.text === text),
    10_000,
    `the job "${text}"`,
  );
  expect(job.queue).toBe('local');
  return stack.sim.waitForMessage(
    stack.channel,
    (message) => deliveryKeyOf(message)?.startsWith(`answer:${job.id}:`) === true,
    30_000,
  );
}

describe('a model answer that tries to ping the channel', () => {
  it('is posted with the mentions neutralised in blocks and text, and the real address visible', async () => {
    const answer = await answerTo('summarize the pinging notes');
    const blocks = JSON.stringify(answer.blocks ?? []);
    for (const shown of [answer.text, blocks]) {
      expect(shown).not.toMatch(PINGS);
      expect(shown).toContain('&lt;!channel&gt; &lt;!here&gt; &lt;@U0BOSS1&gt;');
    }
    expect(blocks).toContain('https://evil.example/steal');
    expect(blocks).not.toMatch(/\|https:\/\/docs\.example\.com>/);
  }, 60_000);

  it('turns a link labelled with another address into a link that shows where it goes', async () => {
    const answer = await answerTo('summarize the lying link');
    const blocks = JSON.stringify(answer.blocks ?? []);
    expect(blocks).toContain(
      'Read <https://evil.example/steal|https://evil.example/steal> before &lt;!everyone&gt; does.',
    );
    expect(answer.text).toContain('Read https://evil.example/steal before &lt;!everyone&gt; does.');
    expect(answer.text).not.toMatch(PINGS);
  }, 60_000);
});
