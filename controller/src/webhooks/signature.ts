// HMAC-SHA256 signatures, both ways: checking an inbound webhook (GitHub's
// `X-Hub-Signature-256: sha256=<hex>` over the raw body, or ours with a
// timestamp, `X-AgentOps-Signature: sha256=<hex of HMAC(secret, "<ts>.<body>")>`)
// and signing an outbound callback the same way. Pure (node:crypto only).
// Comparison is in constant time, and only of digests of equal length.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_PREFIX = 'sha256=';

export function hmacHex(secret: string, payload: Buffer | string): string {
  return createHmac('sha256', secret).update(payload).digest('hex');
}

/** The body our timestamped signature covers: `<ts>.<body>`. */
export function timestampedPayload(timestamp: string, body: Buffer | string): Buffer {
  return Buffer.concat([Buffer.from(`${timestamp}.`), Buffer.isBuffer(body) ? body : Buffer.from(body)]);
}

/** `sha256=<hex>` for a callback or a test sender: the timestamped form. */
export function signTimestamped(secret: string, timestamp: string, body: Buffer | string): string {
  return `${SIGNATURE_PREFIX}${hmacHex(secret, timestampedPayload(timestamp, body))}`;
}

/** Whether `header` (`sha256=<hex>`) is the HMAC of `payload` under `secret`. */
export function signatureMatches(secret: string, payload: Buffer, header: string | undefined): boolean {
  if (!header?.startsWith(SIGNATURE_PREFIX)) return false;
  const given = header.slice(SIGNATURE_PREFIX.length).trim().toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(given)) return false;
  return timingSafeEqual(Buffer.from(given, 'hex'), Buffer.from(hmacHex(secret, payload), 'hex'));
}

export type SignatureCheck =
  | { ok: true }
  | { ok: false; reason: 'missing' | 'mismatch' | 'stale' | 'bad_timestamp'; message: string };

/** GitHub's form: `X-Hub-Signature-256` over the raw body. */
export function checkGithubSignature(secret: string, body: Buffer, header: string | undefined): SignatureCheck {
  if (!header)
    return {
      ok: false,
      reason: 'missing',
      message: 'The X-Hub-Signature-256 header is missing; set the hook secret in GitHub.',
    };
  return signatureMatches(secret, body, header)
    ? { ok: true }
    : { ok: false, reason: 'mismatch', message: 'X-Hub-Signature-256 does not match the body: check the hook secret.' };
}

/** Ours: `X-AgentOps-Timestamp` (seconds) within `toleranceSec` of `nowMs`, and the signature over `<ts>.<body>`. */
export function checkTimestampedSignature(
  secret: string,
  body: Buffer,
  headers: { timestamp?: string; signature?: string },
  toleranceSec: number,
  nowMs: number,
): SignatureCheck {
  if (!headers.signature || !headers.timestamp)
    return {
      ok: false,
      reason: 'missing',
      message: 'X-AgentOps-Timestamp and X-AgentOps-Signature are both needed (docs/api.md#webhooks).',
    };
  if (!/^\d{1,12}$/.test(headers.timestamp))
    return { ok: false, reason: 'bad_timestamp', message: 'X-AgentOps-Timestamp must be Unix time in seconds.' };
  if (!signatureMatches(secret, timestampedPayload(headers.timestamp, body), headers.signature))
    return { ok: false, reason: 'mismatch', message: 'X-AgentOps-Signature does not match the timestamp and body.' };
  const skewSec = Math.abs(nowMs / 1_000 - Number(headers.timestamp));
  if (skewSec > toleranceSec)
    return {
      ok: false,
      reason: 'stale',
      message: `X-AgentOps-Timestamp is ${Math.round(skewSec)} s away from now; at most ${toleranceSec} s (WEBHOOK_TOLERANCE_SEC) is accepted.`,
    };
  return { ok: true };
}
