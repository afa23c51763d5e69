// Builds the Bolt app in Socket Mode, pointed at SLACK_API_URL for every Web API
// call (including apps.connections.open), with Bolt's logs going through ours.
//
// We wrap the Socket Mode receiver for two things: readiness sees the
// WebSocket's state, and an Events API envelope is acknowledged only after
// its listener has written it to the inbox (Bolt acknowledges events before
// any listener runs; a crash in between would lose the message, since Slack
// does not send an acknowledged event again). Commands and clicks are
// acknowledged by their listeners, also after the inbox write.
import { App, SocketModeReceiver, type Receiver, type ReceiverEvent } from '@slack/bolt';
import { slackSdkLogger, type Logger, type SlackConfig } from '@agentops/core';

export interface SlackConnection {
  /** True between Slack's `hello` and the next disconnect. */
  isConnected(): boolean;
}

/** The real acknowledgement of each Events API envelope still being handled, by its body. */
const eventAcks = new WeakMap<object, () => Promise<void>>();

/** Acknowledges the Events API envelope whose body is `body` (once; later calls do nothing). */
export async function ackEvent(body: object): Promise<void> {
  await eventAcks.get(body)?.();
}

function deferEventAcks(inner: SocketModeReceiver): Receiver {
  return {
    init(app: App) {
      const processEvent = async (event: ReceiverEvent) => {
        const body = event.body as { type?: string };
        if (body.type !== 'event_callback') return app.processEvent(event);
        let acked = false;
        const ackOnce = async () => {
          if (acked) return;
          acked = true;
          await event.ack();
        };
        eventAcks.set(event.body, ackOnce);
        try {
          await app.processEvent({ ...event, ack: async () => undefined });
        } finally {
          // Ignored events, and listeners that failed, are acknowledged here.
          await ackOnce();
        }
      };
      inner.init({ processEvent } as unknown as App);
    },
    start: (...args: unknown[]) => inner.start(...(args as [])),
    stop: (...args: unknown[]) => inner.stop(...(args as [])),
  };
}

export function createSlackApp(
  slack: SlackConfig,
  apiUrl: string,
  logger: Logger,
): { app: App; connection: SlackConnection } {
  // Bolt's own lines all pass; the pino level decides what is written.
  const bolt = slackSdkLogger(logger, { component: 'bolt' });
  const socket = new SocketModeReceiver({
    appToken: slack.appToken,
    logger: bolt,
    installerOptions: { clientOptions: { slackApiUrl: apiUrl } },
  });
  let connected = false;
  socket.client.on('connected', () => {
    connected = true;
    logger.info('[controller] Slack Socket Mode connected');
  });
  // 'close' comes at once; 'reconnecting' only after the client's reconnect delay.
  for (const state of ['close', 'disconnected', 'reconnecting']) {
    socket.client.on(state, () => {
      if (connected) logger.warn(`[controller] Slack Socket Mode ${state}`);
      connected = false;
    });
  }
  const app = new App({
    token: slack.botToken,
    receiver: deferEventAcks(socket),
    logger: bolt,
    // Handlers answer people themselves; Bolt must not reply "error" on its own.
    extendedErrorHandler: false,
    clientOptions: { slackApiUrl: apiUrl },
  });
  return { app, connection: { isConnected: () => connected } };
}
