// Slack must always get its ack in time and a person always gets an answer:
// a 10-second LLM fallback, Redis going away and coming back, an idle system.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { startRedisServer } from '@agentops/scripts';
import { startSlackStack } from '../support/slack-stack.js';
import { waitFor } from '../support/processes.js';
import { releaseAfter } from '../support/release-after.js';

describe('acknowledgement and availability', () => {
  it('acks every kind of request within 3 s while the LLM fallback takes 10 s', async () => {
    const stack = await startSlackStack({
      env: { ROUTER_LLM_TIMEOUT_MS: '15000' },
      llm: {
        respond: (request) =>
          request.path.endsWith('/chat/completions') ? { delayMs: 10_000, content: '{"queue":"research"}' } : undefined,
      },
    });
    releaseAfter(() => stack.close());
    const started = Date.now();
    const [slash, message] = await Promise.all([
      stack.sim.sendSlashCommand({ text: 'add hello there, one thing for you' }),
      stack.sim.sendMessage({ text: 'another ambiguous request please' }),
    ]);
    expect(slash.ackMs).toBeLessThan(3_000);
    expect(message.ackMs).toBeLessThan(3_000);
    const board = await stack.sim.sendSlashCommand({ text: 'status' });
    expect(board.ackMs).toBeLessThan(3_000);
    const receipt = await stack.sim.waitForMessage(
      stack.channel,
      (entry) => entry.text.includes('hello there') && entry.text.includes('queued on research'),
      20_000,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(9_000);
    expect(JSON.stringify(receipt.blocks)).toContain('LLM fallback');
    expect(stack.logRecords({ routed: 'research', method: 'llm' }).length).toBeGreaterThan(0);
  }, 60_000);

  it('makes no LLM calls while idle or answering status', async () => {
    const stack = await startSlackStack();
    releaseAfter(() => stack.close());
    await sleep(3_000);
    await stack.sim.sendSlashCommand({ text: 'status' });
    await stack.sim.sendMessage({ text: 'status' });
    await stack.sim.waitForMessage(stack.channel, (entry) => entry.text.startsWith('Queue status'), 10_000);
    expect(stack.llm.calls()).toBe(0);
  }, 60_000);

  it('answers "the queue is unavailable" within 3 s while Redis is down, and recovers when it returns', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'agentops-redis-down-'));
    const server = await startRedisServer({ dir, appendOnly: true });
    releaseAfter(async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    });
    const stack = await startSlackStack({ redis: { host: server.host, port: server.port } });
    releaseAfter(() => stack.close());
    await server.stop();
    await waitFor(() => stack.logRecords({ redis: 'reconnecting' }).length > 0, 10_000, 'the controller to notice');
    for (const send of [
      () => stack.sim.sendSlashCommand({ text: 'add draft something while Redis is down' }),
      () => stack.sim.sendSlashCommand({ text: 'status' }),
      () => stack.sim.sendMessage({ text: 'summarize while Redis is down' }),
    ]) {
      const asked = Date.now();
      const before = stack.sim.ephemerals().length;
      const delivery = await send();
      expect(delivery.ackMs).toBeLessThan(3_000);
      // A command hears it in its ack; a message from the delivery service, without the outbox.
      const inAck = JSON.stringify(delivery.ack ?? {}).includes('The queue is unavailable right now');
      const answer = inAck
        ? { at: asked + delivery.ackMs }
        : await waitFor(
            () =>
              stack.sim
                .ephemerals()
                .slice(before)
                .find((entry) => entry.text.includes('The queue is unavailable right now')),
            3_000,
            `the unavailable answer\n${stack.controller.output().slice(-3000)}`,
          );
      expect(answer.at - asked).toBeLessThan(3_000);
    }
    await server.restart();
    await waitFor(() => stack.logRecords({ redis: 'ready' }).length >= 2, 15_000, 'the controller to reconnect');
    await stack.sim.sendSlashCommand({ text: 'add draft something after Redis is back' });
    await stack.sim.waitForMessage(
      stack.channel,
      (entry) => entry.text.includes('after Redis is back') && entry.text.includes('queued on'),
      10_000,
    );
    expect(stack.controller.child.exitCode).toBeNull();
  }, 90_000);
});
