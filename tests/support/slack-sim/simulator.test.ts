// Proves the Slack simulator speaks real Socket Mode and Web API well enough
// for an unmodified @slack/bolt App: connect, commands, events, actions,
// redelivery, reconnects and Web API retries all go through Bolt's own code.
import { App, LogLevel, type BlockAction, type ButtonAction, type Logger, type StaticSelectAction } from '@slack/bolt';
import { WebClient, type WebAPIPlatformError } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startSlackSimulator, type SlackSimulator } from './index.js';

interface SeenMessage {
  text: string | undefined;
  ts: string;
  user: string | undefined;
  retryNum: number | undefined;
  retryReason: string | undefined;
}

interface SeenAction {
  actionId: string;
  blockId: string;
  value: string | undefined;
  messageTs: string | undefined;
  userId: string;
}

const CHANNEL = 'C0SIMCHAN1';
/** Bolt's reconnect waits clientPingTimeout (5 s, not settable through App) before apps.connections.open. */
const RECONNECT_WAIT_MS = 15_000;

let sim: SlackSimulator;
let app: App;
const seenCommands: string[] = [];
const seenMessages: SeenMessage[] = [];
const seenActions: SeenAction[] = [];
/** Everything Bolt logged at ERROR; the last test checks nothing unexpected went wrong. */
const appErrors: string[] = [];

/** A quiet ERROR-level logger that keeps what it is told instead of printing it. */
function collectingLogger(): Logger {
  let level = LogLevel.ERROR;
  return {
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: (...msg: unknown[]) => appErrors.push(msg.map(String).join(' ')),
    setLevel: (next) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}

/** Waits for a listener side effect; listeners run after the ack, so poll briefly. */
function eventually<T>(probe: () => T | undefined, timeout = 3_000): Promise<T> {
  return vi.waitFor(
    () => {
      const value = probe();
      if (value === undefined) throw new Error('not yet');
      return value;
    },
    { timeout, interval: 10 },
  );
}

function postsWithText(text: string): ReturnType<SlackSimulator['calls']> {
  return sim.calls('chat.postMessage').filter((c) => c.args.text === text);
}

beforeAll(async () => {
  sim = await startSlackSimulator();
  app = new App({
    token: sim.config.botToken,
    appToken: sim.config.appToken,
    socketMode: true,
    logger: collectingLogger(),
    logLevel: LogLevel.ERROR,
    // Bolt hands these same clientOptions to its SocketModeClient, so apps.connections.open hits the simulator too.
    clientOptions: { slackApiUrl: sim.apiUrl },
  });

  app.command('/queue', async ({ ack, command, respond, client }) => {
    await ack();
    seenCommands.push(command.text);
    if (command.text.startsWith('respond')) await respond({ text: `ephemeral: ${command.text}` });
    await client.chat.postMessage({ channel: command.channel_id, text: `queued: ${command.text}` });
  });

  // Never acks, so the simulator's ack deadline can be shown to work.
  app.command('/silent', async () => undefined);

  app.message(async ({ message, context }) => {
    const m = message as { text?: string; ts: string; user?: string };
    seenMessages.push({
      text: m.text,
      ts: m.ts,
      user: m.user,
      retryNum: context.retryNum,
      retryReason: context.retryReason,
    });
  });

  app.action<BlockAction<ButtonAction>>('approve', async ({ ack, body, action, client }) => {
    await ack();
    seenActions.push({
      actionId: action.action_id,
      blockId: action.block_id,
      value: action.value,
      messageTs: body.container.message_ts,
      userId: body.user.id,
    });
    const ts = body.message?.ts;
    if (ts !== undefined) await client.chat.update({ channel: body.channel?.id ?? CHANNEL, ts, text: 'approved' });
  });

  app.action<BlockAction<StaticSelectAction>>('pick_worker', async ({ ack, action, body }) => {
    await ack();
    seenActions.push({
      actionId: action.action_id,
      blockId: action.block_id,
      value: action.selected_option.value,
      messageTs: body.container.message_ts,
      userId: body.user.id,
    });
  });

  await app.start();
});

afterAll(async () => {
  await app?.stop();
  // Bolt's stop() does not wait for the close handshake; let it finish so nothing is left dangling.
  await sim?.waitFor(() => (sim.isConnected ? undefined : true), 3_000).catch(() => undefined);
  await sim?.close();
});

describe('Slack simulator driving a real Bolt app', () => {
  it('(a) the app connects over Socket Mode and gets hello', async () => {
    const connection = await sim.waitForConnection(1);
    expect(connection.id).toBe(1);
    expect(sim.connectionCount).toBe(1);

    const [open] = sim.calls('apps.connections.open');
    expect(open?.token).toBe(sim.config.appToken);
    expect(open?.ok).toBe(true);
    // Bolt verifies its bot token with auth.test when constructed.
    expect(sim.calls('auth.test').some((c) => c.token === sim.config.botToken && c.ok)).toBe(true);

    const hello = sim.socketLog().find((e) => e.kind === 'hello');
    expect(hello?.data).toMatchObject({
      type: 'hello',
      num_connections: 1,
      connection_info: { app_id: sim.config.appId },
    });
  });

  it('(b) a slash command is acked within 3 s and its post and respond() land', async () => {
    const delivery = await sim.sendSlashCommand({ text: 'respond status' });
    expect(delivery.acked).toBe(true);
    expect(delivery.ackMs).toBeLessThan(3_000);
    expect(delivery.ack).toEqual({}); // a bare ack() still carries an empty payload

    const posted = await sim.waitForMessage(CHANNEL, (m) => m.text === 'queued: respond status');
    expect(posted).toMatchObject({ user: sim.config.botUserId, bot_id: sim.config.botId });
    expect(posted.ts).toMatch(/^\d{10}\.\d{6}$/);
    const response = await sim.waitForResponse(delivery.responseUrl);
    expect(response.body).toEqual({ text: 'ephemeral: respond status' });
    expect(seenCommands).toContain('respond status');

    // Slack echoes the bot's own post as a message event; Bolt acks it and ignoreSelf drops it.
    const echo = await sim.waitFor(() =>
      sim.deliveries().find((d) => {
        const event = (d.envelope.payload as { event?: { ts?: string; bot_id?: string } }).event;
        return d.acked && event?.ts === posted.ts && event.bot_id === sim.config.botId ? d : undefined;
      }),
    );
    expect(echo.type).toBe('events_api');
    const marker = await sim.sendMessage({ text: 'after echo' });
    await eventually(() => seenMessages.find((m) => m.ts === marker.ts));
    expect(seenMessages.some((m) => m.ts === posted.ts)).toBe(false);
  });

  it('(c) a message event reaches the listener and is acked', async () => {
    const delivery = await sim.sendMessage({ text: 'hello bot', userId: 'U0ALICE' });
    expect(delivery.acked).toBe(true);
    expect(delivery.ackMs).toBeLessThan(3_000);
    const envelope = sim.deliveries().find((d) => d.envelopeId === delivery.envelopeId)?.envelope;
    expect(envelope).toMatchObject({ type: 'events_api', retry_attempt: 0, retry_reason: '' });
    expect(delivery.payload).toMatchObject({ type: 'event_callback', event_id: delivery.eventId });

    const seen = await eventually(() => seenMessages.find((m) => m.ts === delivery.ts));
    expect(seen).toMatchObject({ text: 'hello bot', user: 'U0ALICE', retryNum: 0 });
  });

  it('(d) block actions reach their handlers (button and static_select)', async () => {
    const { ts } = await app.client.chat.postMessage({
      channel: CHANNEL,
      text: 'job 1 needs approval',
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: 'job 1' } },
        {
          type: 'actions',
          block_id: 'job_actions',
          elements: [
            { type: 'button', action_id: 'approve', text: { type: 'plain_text', text: 'Approve' }, value: 'job-1' },
            {
              type: 'static_select',
              action_id: 'pick_worker',
              placeholder: { type: 'plain_text', text: 'Worker' },
              options: [{ text: { type: 'plain_text', text: 'Local' }, value: 'local' }],
            },
          ],
        },
      ],
    });
    if (ts === undefined) throw new Error('postMessage returned no ts');

    const click = await sim.sendBlockAction({ actionId: 'approve', messageTs: ts, userId: 'U0ALICE' });
    expect(click.acked).toBe(true);
    expect(click.payload).toMatchObject({
      type: 'block_actions',
      container: { type: 'message', message_ts: ts, channel_id: CHANNEL },
      actions: [{ type: 'button', action_id: 'approve', block_id: 'job_actions', value: 'job-1' }],
    });
    expect(await eventually(() => seenActions.find((a) => a.actionId === 'approve'))).toEqual({
      actionId: 'approve',
      blockId: 'job_actions',
      value: 'job-1',
      messageTs: ts,
      userId: 'U0ALICE',
    });
    // The handler's chat.update edits the stored message in place.
    await sim.waitFor(() => (sim.message(CHANNEL, ts)?.text === 'approved' ? true : undefined));
    expect(sim.message(CHANNEL, ts)?.edited?.user).toBe(sim.config.botUserId);

    const pick = await sim.sendBlockAction({
      actionId: 'pick_worker',
      messageTs: ts,
      selectedOption: { value: 'local', text: 'Local' },
    });
    expect(pick.acked).toBe(true);
    const picked = await eventually(() => seenActions.find((a) => a.actionId === 'pick_worker'));
    expect(picked.value).toBe('local');
  });

  it('(e) a redelivered event (retry_attempt=1, same event_id) is delivered again', async () => {
    const first = await sim.sendMessage({ text: 'dup please' });
    const again = await sim.sendMessage({
      text: 'dup please',
      ts: first.ts,
      eventId: first.eventId,
      retryAttempt: 1,
      retryReason: 'timeout',
    });
    expect(again.acked).toBe(true);
    expect(again.envelopeId).not.toBe(first.envelopeId);
    expect(again.eventId).toBe(first.eventId);
    const envelope = sim.deliveries().find((d) => d.envelopeId === again.envelopeId)?.envelope;
    expect(envelope).toMatchObject({ retry_attempt: 1, retry_reason: 'timeout', payload: { event_id: first.eventId } });

    const third = await sim.redeliver(again.envelopeId);
    expect(sim.deliveries().find((d) => d.envelopeId === third.envelopeId)?.envelope).toMatchObject({
      retry_attempt: 2,
      payload: { event_id: first.eventId },
    });
    // The simulator does not dedupe; Bolt passes retries through with context.retryNum.
    const copies = await eventually(() => {
      const seen = seenMessages.filter((m) => m.ts === first.ts);
      return seen.length === 3 ? seen : undefined;
    });
    expect(copies.map((m) => m.retryNum)).toEqual([0, 1, 2]);
    expect(copies[1]?.retryReason).toBe('timeout');
  });

  it('(f) after a dropped socket the app reconnects and commands work again', { timeout: 30_000 }, async () => {
    const opensBefore = sim.calls('apps.connections.open').length;
    const before = sim.connectionCount;
    await sim.waitForAcks(); // let the echo of the last post be acked before pulling the plug
    await sim.dropConnection();
    expect(sim.isConnected).toBe(false);
    // While the app is away there is nobody to deliver to; the simulator says so instead of hanging.
    await expect(sim.sendSlashCommand({ text: 'while away' })).rejects.toThrow(/no open Socket Mode connection/);

    const connection = await sim.waitForConnection(before + 1, RECONNECT_WAIT_MS);
    expect(connection.id).toBe(before + 1);
    expect(sim.calls('apps.connections.open')).toHaveLength(opensBefore + 1);

    const delivery = await sim.sendSlashCommand({ text: 'after drop' });
    expect(delivery.acked).toBe(true);
    await sim.waitForMessage(CHANNEL, (m) => m.text === 'queued: after drop');
  });

  it('(g) after disconnect(refresh_requested) the app reconnects', { timeout: 30_000 }, async () => {
    const opensBefore = sim.calls('apps.connections.open').length;
    const before = sim.connectionCount;
    await sim.waitForAcks();
    await sim.sendDisconnect('refresh_requested');
    const close = sim.socketLog().find((e) => e.kind === 'close' && e.connectionId === before);
    expect(close?.data).toMatchObject({ code: 1000 }); // the client closes cleanly on its own

    await sim.waitForConnection(before + 1, RECONNECT_WAIT_MS);
    expect(sim.calls('apps.connections.open')).toHaveLength(opensBefore + 1);
    const delivery = await sim.sendSlashCommand({ text: 'after refresh' });
    expect(delivery.acked).toBe(true);
    await sim.waitForMessage(CHANNEL, (m) => m.text === 'queued: after refresh');
  });

  it('(h) a 429 with Retry-After and a 500 are retried by the client and the post lands', {
    timeout: 30_000,
  }, async () => {
    sim.failNext('chat.postMessage', { status: 429, retryAfterSec: 1 });
    const limited = await sim.sendSlashCommand({ text: 'rate limited' });
    expect(limited.ackMs).toBeLessThan(3_000); // ack goes out before the slow post
    await sim.waitForMessage(CHANNEL, (m) => m.text === 'queued: rate limited', 15_000);
    const [rejected, accepted] = postsWithText('queued: rate limited');
    expect(rejected).toMatchObject({ ok: false, error: 'ratelimited', fault: { status: 429 } });
    expect(accepted?.ok).toBe(true);
    // Retry-After: 1 was honoured (a timer may fire a millisecond early by Date.now()).
    expect((accepted?.at ?? 0) - (rejected?.at ?? 0)).toBeGreaterThanOrEqual(950);

    sim.failNext('chat.postMessage', { status: 500 });
    await sim.sendSlashCommand({ text: 'server error' });
    await sim.waitForMessage(CHANNEL, (m) => m.text === 'queued: server error', 15_000);
    const attempts = postsWithText('queued: server error');
    expect(attempts.map((c) => c.error)).toEqual(['http_500', undefined]);
  });

  it('(i) an envelope the app never acks fails after the deadline, or reports acked:false', async () => {
    await expect(sim.sendSlashCommand({ command: '/silent', text: 'x' }, { timeoutMs: 300 })).rejects.toThrow(
      /no ack for slash_commands envelope: nothing within 300 ms/,
    );
    const unacked = await sim.sendSlashCommand(
      { command: '/silent', text: 'y' },
      { timeoutMs: 300, requireAck: false },
    );
    expect(unacked).toMatchObject({ acked: false, ack: undefined });
    // It waited for the deadline (timers may fire a millisecond early by Date.now()).
    expect(unacked.ackMs).toBeGreaterThanOrEqual(250);
  });

  it('left no unexpected errors in the app log', () => {
    // Terminating the socket in (f) makes undici report an abnormal closure; nothing else may fail.
    const unexpected = appErrors.filter((e) => !/WebSocket error/.test(e));
    expect(unexpected).toEqual([]);
  });
});

describe('Slack simulator Web API', () => {
  const web = (): WebClient =>
    new WebClient(sim.config.botToken, {
      slackApiUrl: sim.apiUrl,
      logLevel: LogLevel.ERROR,
      retryConfig: { retries: 2, minTimeout: 10, maxTimeout: 20 },
    });

  it('rejects a wrong token with invalid_auth and records it', async () => {
    const wrong = new WebClient('xoxb-wrong', { slackApiUrl: sim.apiUrl, logLevel: LogLevel.ERROR });
    await expect(wrong.auth.test()).rejects.toMatchObject({ data: { ok: false, error: 'invalid_auth' } });
    // The app-level token is only good for apps.connections.open.
    const appTokenClient = new WebClient(sim.config.appToken, { slackApiUrl: sim.apiUrl, logLevel: LogLevel.ERROR });
    await expect(appTokenClient.chat.postMessage({ channel: CHANNEL, text: 'x' })).rejects.toMatchObject({
      data: { error: 'invalid_auth' },
    });
    const recorded = sim.calls('auth.test').at(-1);
    expect(recorded).toMatchObject({ token: 'xoxb-wrong', ok: false, error: 'invalid_auth' });
  });

  it('answers unknown methods with unknown_method and injected errors verbatim', async () => {
    const client = web();
    const unknown = client.apiCall('queue.frobnicate', { x: 1 });
    await expect(unknown).rejects.toMatchObject({ data: { error: 'unknown_method' } });
    expect(sim.calls('queue.frobnicate')[0]?.args).toMatchObject({ x: '1' });

    sim.failNext('reactions.add', { error: 'channel_not_found' });
    const error = await client.reactions
      .add({ channel: CHANNEL, timestamp: '1.000100', name: 'eyes' })
      .catch((e: WebAPIPlatformError) => e);
    expect(error).toMatchObject({ data: { error: 'channel_not_found' } });
  });

  it('supports threads, ephemerals, reactions, deletes, info lookups and JSON bodies', async () => {
    const client = web();
    const user = await sim.sendMessage({ text: 'run this', userId: 'U0BOB' });
    await client.reactions.add({ channel: CHANNEL, timestamp: user.ts, name: 'eyes' });
    expect(sim.message(CHANNEL, user.ts)?.reactions).toEqual([
      { name: 'eyes', users: [sim.config.botUserId], count: 1 },
    ]);
    await expect(client.reactions.add({ channel: CHANNEL, timestamp: user.ts, name: 'eyes' })).rejects.toMatchObject({
      data: { error: 'already_reacted' },
    });
    await client.reactions.remove({ channel: CHANNEL, timestamp: user.ts, name: 'eyes' });
    expect(sim.message(CHANNEL, user.ts)?.reactions).toBeUndefined();

    const reply = await client.chat.postMessage({ channel: CHANNEL, text: 'working on it', thread_ts: user.ts });
    expect(sim.message(CHANNEL, reply.ts ?? '')?.thread_ts).toBe(user.ts);
    const echo = await sim.waitFor(() =>
      sim.deliveries().find((d) => (d.envelope.payload as { event?: { ts?: string } }).event?.ts === reply.ts),
    );
    expect((echo.envelope.payload as { event: unknown }).event).toMatchObject({
      thread_ts: user.ts,
      parent_user_id: 'U0BOB',
      user: sim.config.botUserId,
    });

    const ephemeral = await client.chat.postEphemeral({ channel: CHANNEL, user: 'U0BOB', text: 'only you' });
    expect(sim.ephemerals().at(-1)).toMatchObject({
      user: 'U0BOB',
      text: 'only you',
      message_ts: ephemeral.message_ts,
    });

    await client.chat.delete({ channel: CHANNEL, ts: reply.ts ?? '' });
    expect(sim.message(CHANNEL, reply.ts ?? '')).toBeUndefined();

    const info = await client.conversations.info({ channel: CHANNEL });
    expect(info.channel?.id).toBe(CHANNEL);
    const bob = await client.users.info({ user: 'U0BOB' });
    expect(bob.user?.id).toBe('U0BOB');
    await expect(client.users.info({ user: 'U0NOBODY' })).rejects.toMatchObject({ data: { error: 'user_not_found' } });

    const response = await fetch(`${sim.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sim.config.botToken}`, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ channel: CHANNEL, text: 'json body', blocks: [{ type: 'divider' }] }),
    });
    expect(await response.json()).toMatchObject({ ok: true, channel: CHANNEL });
    expect(sim.calls('chat.postMessage').at(-1)?.args.blocks).toEqual([{ type: 'divider' }]);
  });

  it('runs filesUploadV2 end to end and keeps the bytes', async () => {
    const client = web();
    const result = await client.filesUploadV2({
      channel_id: CHANNEL,
      thread_ts: '1700000000.000100',
      initial_comment: 'job output',
      filename: 'result.txt',
      content: 'hello from the worker\n',
    });
    expect(result.ok).toBe(true);
    const [upload] = sim.uploads();
    expect(upload).toMatchObject({
      filename: 'result.txt',
      title: 'result.txt',
      content: 'hello from the worker\n',
      declaredLength: 22,
      completed: true,
      channelId: CHANNEL,
      threadTs: '1700000000.000100',
      initialComment: 'job output',
    });
    expect(sim.calls().map((c) => c.method)).toEqual(
      expect.arrayContaining(['files.getUploadURLExternal', 'files.completeUploadExternal']),
    );
  });
});
