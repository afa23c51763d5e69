// Webhook signatures: GitHub's X-Hub-Signature-256 over the raw body, ours
// over "<timestamp>.<body>" with a time window; computed here independently.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkGithubSignature, checkTimestampedSignature, signTimestamped } from '@agentops/controller';

const SECRET = 'hook-secret-0123456789';
const body = Buffer.from('{"action":"completed"}');
const github = `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;

describe('GitHub signature', () => {
  it('accepts the HMAC of the raw body, in any hex case', () => {
    expect(checkGithubSignature(SECRET, body, github)).toEqual({ ok: true });
    expect(checkGithubSignature(SECRET, body, github.toUpperCase().replace('SHA256=', 'sha256='))).toEqual({
      ok: true,
    });
  });

  it('refuses a missing, malformed or wrong signature, or another body', () => {
    expect(checkGithubSignature(SECRET, body, undefined)).toMatchObject({ ok: false, reason: 'missing' });
    expect(checkGithubSignature(SECRET, body, 'sha1=abc')).toMatchObject({ ok: false, reason: 'mismatch' });
    expect(checkGithubSignature('another-secret-012345', body, github)).toMatchObject({
      ok: false,
      reason: 'mismatch',
    });
    expect(checkGithubSignature(SECRET, Buffer.from('{"action":"x"}'), github)).toMatchObject({ ok: false });
  });
});

describe('timestamped signature', () => {
  const now = 1_700_000_000_000;
  const ts = String(now / 1_000);
  const signature = `sha256=${createHmac('sha256', SECRET).update(`${ts}.${body.toString()}`).digest('hex')}`;

  it('is what signTimestamped makes, and is accepted within the window', () => {
    expect(signTimestamped(SECRET, ts, body)).toBe(signature);
    expect(checkTimestampedSignature(SECRET, body, { timestamp: ts, signature }, 300, now + 299_000)).toEqual({
      ok: true,
    });
  });

  it('refuses a stale or future timestamp, a changed timestamp and missing headers', () => {
    expect(checkTimestampedSignature(SECRET, body, { timestamp: ts, signature }, 300, now + 301_000)).toMatchObject({
      reason: 'stale',
    });
    expect(checkTimestampedSignature(SECRET, body, { timestamp: ts, signature }, 300, now - 301_000)).toMatchObject({
      reason: 'stale',
    });
    expect(
      checkTimestampedSignature(SECRET, body, { timestamp: String(Number(ts) + 1), signature }, 300, now),
    ).toMatchObject({ reason: 'mismatch' });
    expect(checkTimestampedSignature(SECRET, body, { timestamp: 'soon', signature }, 300, now)).toMatchObject({
      reason: 'bad_timestamp',
    });
    expect(checkTimestampedSignature(SECRET, body, { signature }, 300, now)).toMatchObject({ reason: 'missing' });
  });
});
