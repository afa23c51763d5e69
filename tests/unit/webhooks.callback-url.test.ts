// The SSRF stance for callback URLs: http(s) only, no credentials, never a
// link-local or cloud metadata address; loopback and private addresses allowed.
import { describe, expect, it } from 'vitest';
import { callbackBackoffMs, checkCallbackUrl, isForbiddenAddress } from '@agentops/controller';

describe('checkCallbackUrl', () => {
  it.each(['http://127.0.0.1:8080/done', 'https://ci.example.com/hook', 'http://10.0.0.5/x', 'http://[::1]:9/x'])(
    'allows %s',
    (url) => expect(checkCallbackUrl(url).ok).toBe(true),
  );

  it.each([
    ['http://169.254.169.254/latest/meta-data', 'link-local'],
    ['http://[fe80::1]/x', 'link-local'],
    ['http://[::ffff:169.254.169.254]/x', 'link-local'],
    ['http://metadata.google.internal/x', 'link-local'],
    ['http://100.100.100.200/x', 'link-local'],
    ['ftp://example.com/x', 'http:// or https://'],
    ['file:///etc/passwd', 'http:// or https://'],
    ['http://user:pw@example.com/x', 'user name or password'],
    ['not a url', 'not a URL'],
  ])('refuses %s', (url, message) => {
    const check = checkCallbackUrl(url);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.message).toContain(message);
  });

  it('knows the forbidden ranges by address', () => {
    expect(isForbiddenAddress('169.254.0.1')).toBe(true);
    expect(isForbiddenAddress('febf::1')).toBe(true);
    expect(isForbiddenAddress('fd00:ec2::254')).toBe(true);
    expect(isForbiddenAddress('127.0.0.1')).toBe(false);
    expect(isForbiddenAddress('192.168.1.1')).toBe(false);
  });
});

describe('callbackBackoffMs', () => {
  it('triples: five attempts over about ten minutes by default', () => {
    const waits = [1, 2, 3, 4].map((attempt) => callbackBackoffMs(attempt, 15_000));
    expect(waits).toEqual([15_000, 45_000, 135_000, 405_000]);
    expect(waits.reduce((a, b) => a + b, 0)).toBe(600_000);
  });
});
