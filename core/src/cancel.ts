// How any process asks the worker running a job to stop it: a flag in Redis (so a
// worker that starts the job later still sees it) and a pub/sub message (so the
// running worker learns of it at once). The key and channel names are
// redisKeys(prefix).cancelFlag / .cancelChannel.

export interface CancelRequest {
  id: string;
  by: string;
  at: number;
}

export function parseCancelRequest(raw: string | null): CancelRequest | undefined {
  if (!raw) return undefined;
  try {
    const value = JSON.parse(raw) as Partial<CancelRequest>;
    if (typeof value.id === 'string' && typeof value.by === 'string' && typeof value.at === 'number') {
      return { id: value.id, by: value.by, at: value.at };
    }
  } catch {
    // A malformed flag is treated as absent; the worker carries on.
  }
  return undefined;
}
