// Tells running jobs that someone cancelled them: one subscriber connection per
// worker process listens on the cancel channel; a flag key covers jobs that
// start after the request was published and reconnects that missed a message.
import { Redis, type RedisOptions } from 'ioredis';
import { cancelChannel, cancelFlagKey, parseCancelRequest, type CancelRequest } from '../cancel.js';

export interface CancelWatcher {
  /** Calls `onCancel` once if job `id` is (or becomes) cancelled; returns an unsubscribe. */
  watch(id: string, onCancel: (request: CancelRequest) => void): Promise<() => void>;
  close(): Promise<void>;
}

export function createCancelWatcher(options: RedisOptions, prefix: string): CancelWatcher {
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
    const values = await commands.mget(ids.map((id) => cancelFlagKey(prefix, id)));
    for (const value of values) fire(parseCancelRequest(value));
  };
  const channel = cancelChannel(prefix);
  const subscribed = subscriber.subscribe(channel).catch(() => undefined);
  subscriber.on('message', (_channel: string, message: string) => fire(parseCancelRequest(message)));
  // A reconnect may have swallowed a message: look at the flags of running jobs again.
  subscriber.on('ready', () => void checkFlags().catch(() => undefined));
  return {
    async watch(id, onCancel) {
      await subscribed;
      listeners.set(id, onCancel);
      fire(parseCancelRequest(await commands.get(cancelFlagKey(prefix, id))));
      return () => {
        listeners.delete(id);
      };
    },
    async close() {
      listeners.clear();
      subscriber.disconnect();
      commands.disconnect();
    },
  };
}
