// Tells running jobs that someone cancelled them: one subscriber connection per
// worker process listens on the cancel channel; a flag key covers jobs that
// start after the request was published and reconnects that missed a message.
import { Redis, type RedisOptions } from 'ioredis';
import { parseCancelRequest, redisKeys, type CancelRequest } from '@agentops/core';

export interface CancelListener {
  /** The job's flag key: read it (in the same round trip as other keys, say) and pass the value to `check`. */
  flagKey: string;
  /** Calls `onCancel` if `raw`, the flag's value, is a cancel request for this job. */
  check(raw: string | null | undefined): void;
  stop(): void;
}

export interface CancelWatcher {
  /** Calls `onCancel` once if job `id` is (or becomes) cancelled; returns an unsubscribe. */
  watch(id: string, onCancel: (request: CancelRequest) => void): Promise<() => void>;
  /**
   * Like watch(), but leaves reading the flag to the caller. The listener is in
   * place (and the channel subscribed) when this resolves, so a request
   * published after the caller's read is still heard.
   */
  listen(id: string, onCancel: (request: CancelRequest) => void): Promise<CancelListener>;
  close(): Promise<void>;
}

export function createCancelWatcher(options: RedisOptions, prefix: string): CancelWatcher {
  const keys = redisKeys(prefix);
  const subscriber = new Redis({ ...options, lazyConnect: false });
  const commands = new Redis({ ...options, lazyConnect: false });
  subscriber.on('error', () => undefined);
  commands.on('error', () => undefined);
  const listeners = new Map<string, (request: CancelRequest) => void>();
  const fire = (request: CancelRequest | undefined) => {
    if (!request) return;
    const listener = listeners.get(request.id);
    if (!listener) return;
    listeners.delete(request.id);
    listener(request);
  };
  const checkFlags = async () => {
    const ids = [...listeners.keys()];
    if (ids.length === 0) return;
    const values = await commands.mget(ids.map((id) => keys.cancelFlag(id)));
    for (const value of values) fire(parseCancelRequest(value));
  };
  const channel = keys.cancelChannel;
  const subscribed = subscriber.subscribe(channel).catch(() => undefined);
  subscriber.on('message', (_channel: string, message: string) => fire(parseCancelRequest(message)));
  // A reconnect may have swallowed a message: look at the flags of running jobs again.
  subscriber.on('ready', () => void checkFlags().catch(() => undefined));
  const listen = async (id: string, onCancel: (request: CancelRequest) => void): Promise<CancelListener> => {
    await subscribed;
    listeners.set(id, onCancel);
    return {
      flagKey: keys.cancelFlag(id),
      check: (raw) => {
        const request = parseCancelRequest(raw ?? null);
        if (request?.id === id) fire(request);
      },
      stop: () => {
        if (listeners.get(id) === onCancel) listeners.delete(id);
      },
    };
  };
  return {
    async watch(id, onCancel) {
      const listener = await listen(id, onCancel);
      listener.check(await commands.get(listener.flagKey));
      return listener.stop;
    },
    listen,
    async close() {
      listeners.clear();
      subscriber.disconnect();
      commands.disconnect();
    },
  };
}
