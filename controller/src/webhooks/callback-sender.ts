// Sends due callbacks: each a POST of the stored JSON body, signed with the
// creating API token's secret (X-AgentOps-Timestamp and
// X-AgentOps-Signature: sha256=HMAC(token, "<ts>.<body>"), the same form an
// inbound hook uses), with X-AgentOps-Delivery the same on every attempt so a
// receiver can drop a repeat. A 2xx answer delivers it; anything else (or no
// answer in CALLBACK_TIMEOUT_MS) is tried again after CALLBACK_BACKOFF_MS,
// three times longer each time, until CALLBACK_ATTEMPTS. Redirects are not
// followed, and the address connected to is checked (callback-url.ts).
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { scrubSecrets, systemErrorCode, toCodedError, truncate, type ApiToken, type Logger } from '@agentops/core';
import { checkCallbackUrl, lookupChecked } from './callback-url.js';
import type { CallbackStore } from './callback-store.js';
import { signTimestamped } from './signature.js';

/** How long one attempt may take. */
export const CALLBACK_TIMEOUT_MS = 10_000;
/** A claimed callback is someone else's again after this long (longer than an attempt). */
const LEASE_MS = 60_000;

/** The wait after failed attempt `attempt` (1-based): base, then three times longer each time. */
export function callbackBackoffMs(attempt: number, baseMs: number): number {
  return baseMs * 3 ** Math.max(0, attempt - 1);
}

export interface CallbackSenderOptions {
  store: CallbackStore;
  tokens: readonly ApiToken[];
  attempts: number;
  backoffMs: number;
  logger: Logger;
  secrets: readonly string[];
  pollMs?: number;
  timeoutMs?: number;
}

export interface CallbackSender {
  close(): Promise<void>;
}

/** One POST; resolves with the status code, rejects when no answer came. */
function post(url: URL, body: string, headers: Record<string, string>, timeoutMs: number): Promise<number> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const request = send(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        lookup: lookupChecked as never,
        timeout: timeoutMs,
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', reject);
    request.end(body);
  });
}

export function startCallbackSender(options: CallbackSenderOptions): CallbackSender {
  const { store, logger } = options;
  const pollMs = options.pollMs ?? 500;
  const timeoutMs = options.timeoutMs ?? CALLBACK_TIMEOUT_MS;
  const stop = new AbortController();

  const attempt = async (jobId: string) => {
    const record = await store.get(jobId);
    if (!record || record.status === 'delivered' || record.status === 'failed') {
      await store.unschedule(jobId);
      return;
    }
    const attempts = record.attempts + 1;
    const log = { job: jobId, callback: record.url, attempt: `${attempts}/${options.attempts}` };
    let problem: string | undefined;
    const token = options.tokens.find((entry) => entry.name === record.token);
    const checked = checkCallbackUrl(record.url);
    if (!token)
      problem = `the API token "${record.token}" is no longer in API_TOKENS, so the callback cannot be signed`;
    else if (!checked.ok) problem = checked.message;
    else {
      const timestamp = String(Math.floor(Date.now() / 1_000));
      try {
        const status = await post(
          checked.url,
          record.body,
          {
            'content-type': 'application/json',
            'user-agent': 'AgentOps-Callback',
            'x-agentops-timestamp': timestamp,
            'x-agentops-signature': signTimestamped(token.token, timestamp, record.body),
            'x-agentops-delivery': `${jobId}-${record.finishedAt}`,
            'x-agentops-attempt': String(attempts),
          },
          timeoutMs,
        );
        if (status >= 200 && status < 300) {
          await store.delivered(jobId, attempts);
          logger.info({ ...log, status }, `[callbacks] Job ${jobId}'s result delivered to its callback URL`);
          return;
        }
        problem = `the receiver answered HTTP ${status}`;
      } catch (error) {
        problem = `${systemErrorCode(error) ?? 'error'}: ${toCodedError(error).message}`;
      }
    }
    const reason = truncate(scrubSecrets(problem, options.secrets), 500);
    const fatal = !token || !checked.ok;
    const nextAt =
      fatal || attempts >= options.attempts ? undefined : Date.now() + callbackBackoffMs(attempts, options.backoffMs);
    await store.attemptFailed(jobId, attempts, reason, nextAt);
    logger.warn(
      { ...log, reason, ...(nextAt ? { nextAt } : { gaveUp: true }) },
      nextAt
        ? `[callbacks] Job ${jobId}'s callback failed (${reason}); trying again in ${Math.round((nextAt - Date.now()) / 1_000)} s`
        : `[callbacks] Job ${jobId}'s callback failed for good after ${attempts} attempt(s): ${reason}`,
    );
  };

  const loop = (async () => {
    while (!stop.signal.aborted) {
      try {
        const due = await store.claimDue(Date.now(), LEASE_MS, 20);
        await Promise.all(due.map((jobId) => attempt(jobId)));
        if (due.length > 0) continue;
      } catch (error) {
        logger.debug({ err: toCodedError(error) }, `[callbacks] ${toCodedError(error).message}; resuming`);
      }
      await sleep(pollMs, undefined, { signal: stop.signal }).catch(() => undefined);
    }
  })();

  return {
    async close() {
      stop.abort();
      await loop;
    },
  };
}
