// API jobs in Slack mode (the built controller against the Slack simulator):
// a job started through the REST API gets its card in the channel, requested
// by the token's name, unless API_RECEIPTS=false.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSlackStack, type SlackStack } from '../support/slack-stack.js';
import { waitFor } from '../support/processes.js';

const TOKEN = 'ci-token-0123456789abcdef01234567';
let stack: SlackStack;
let base: string;

async function opsBase(): Promise<string> {
  const line = await waitFor(
    () => /Operations server on (http:\/\/127\.0\.0\.1:\d+)/.exec(stack.controller.output()) ?? undefined,
    20_000,
    'the ops server',
  );
  return line[1] ?? '';
}

const start = async (text: string) => {
  const response = await fetch(`${base}/api/jobs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ text, queue: 'local' }),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as { id: string; receipt: boolean };
};

beforeAll(async () => {
  stack = await startSlackStack({ env: { API_TOKENS: `ci=write:${TOKEN}` } });
  base = await opsBase();
}, 60_000);

afterAll(async () => {
  await stack?.close();
});

describe('API receipts', () => {
  it('posts the card of an API job in the channel, requested by api:<token>', async () => {
    const job = await start('summarize the receipt test');
    expect(job.receipt).toBe(true);
    await stack.receiptTs(job.id, 15_000);
    const card = JSON.stringify(stack.receiptOf(job.id));
    expect(card).toContain('summarize the receipt test');
    expect(card).toContain('api:ci');
    const data = (await stack.queues.manager.inspect(job.id)).data;
    expect(data).toMatchObject({ source: 'api', slack: { channel: stack.channel, user: 'api:ci' } });
  });

  it('starts jobs without a word in Slack when API_RECEIPTS=false', async () => {
    await stack.restartController({ API_RECEIPTS: 'false' });
    base = await opsBase();
    const job = await start('summarize quietly');
    expect(job.receipt).toBe(false);
    expect((await stack.queues.manager.inspect(job.id)).data.slack).toBeUndefined();
  }, 60_000);
});
