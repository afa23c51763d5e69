// API_TOKENS: the token format, what loadConfig says about a bad one (never
// the token itself), and the bearer check that finds a token's name.
import { describe, expect, it } from 'vitest';
import { loadConfig, parseApiTokens } from '@agentops/core';
import { createTokenAuth } from '@agentops/controller';

const CI = 'ci-token-0123456789abcdef0123';
const DASH = 'dash-token-0123456789abcdef012';

describe('parseApiTokens', () => {
  it('reads named tokens; write includes read', () => {
    expect(parseApiTokens(`ci=write:${CI}, dash=read:${DASH}`)).toEqual({
      ok: true,
      tokens: [
        { name: 'ci', scopes: ['read', 'write'], token: CI },
        { name: 'dash', scopes: ['read'], token: DASH },
      ],
    });
  });

  it.each([
    [`ci:${CI}`, 'is not <name>=<read|write>:<token>'],
    [`CI=write:${CI}`, 'the name must be lower-case'],
    [`ci=admin:${CI}`, 'the scope must be read or write'],
    ['ci=write:short', 'shorter than 24 characters'],
    [`ci=write:${CI}ü`, 'may only hold'],
    [`ci=write:${CI},ci=read:${DASH}`, 'names token "ci" twice'],
    [`ci=write:${CI},dash=read:${CI}`, 'the same as another token'],
  ])('refuses %s', (value, problem) => {
    const parsed = parseApiTokens(value);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.problem).toContain(problem);
      expect(parsed.problem).not.toContain(CI);
    }
  });

  it('makes loadConfig name the variable and hide its value', () => {
    expect(() => loadConfig({ API_TOKENS: `ci=admin:${CI}` })).toThrow(
      /API_TOKENS \(value hidden\): token "ci": the scope/,
    );
    try {
      loadConfig({ API_TOKENS: `ci=admin:${CI}` });
    } catch (error) {
      expect(String((error as Error).message)).not.toContain(CI);
    }
  });
});

describe('createTokenAuth', () => {
  const tokens = [
    { name: 'ci', scopes: ['read', 'write'] as ('read' | 'write')[], token: CI },
    { name: 'dash', scopes: ['read'] as ('read' | 'write')[], token: DASH },
  ];
  const authenticate = createTokenAuth(tokens);

  it('finds the token and acts as api:<name> with its scopes', () => {
    const auth = authenticate(`Bearer ${DASH}`);
    expect(auth.ok && auth.actor).toEqual({ id: 'api:dash', source: 'api', scopes: ['read'] });
    expect(authenticate(`bearer ${CI}`).ok).toBe(true);
  });

  it('tells a missing token from a wrong one', () => {
    expect(authenticate(undefined)).toMatchObject({ ok: false, reason: 'missing' });
    expect(authenticate(`Basic ${CI}`)).toMatchObject({ ok: false, reason: 'missing' });
    expect(authenticate(`Bearer ${CI.slice(0, -1)}x`)).toMatchObject({ ok: false, reason: 'invalid' });
    expect(authenticate(`Bearer ${CI}${CI}`)).toMatchObject({ ok: false, reason: 'invalid' });
  });
});
