// Who a REST API request comes from: the bearer token in `Authorization`,
// looked up among API_TOKENS. Every token is compared, in constant time, as a
// SHA-256 digest (equal lengths whatever was sent), so neither the time taken
// nor an early exit tells how much of a guess was right. Pure.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { ApiToken } from '@agentops/core';
import type { AccessActor } from '../access/policy.js';

export type Authentication =
  | { ok: true; token: ApiToken; actor: AccessActor }
  | { ok: false; reason: 'missing' | 'invalid'; message: string };

const digest = (value: string) => createHash('sha256').update(value).digest();

/** The API actor a token acts as: `api:<name>` with its scopes. */
export function apiActor(token: ApiToken): AccessActor {
  return { id: `api:${token.name}`, source: 'api', scopes: token.scopes };
}

export function createTokenAuth(tokens: readonly ApiToken[]): (header: string | undefined) => Authentication {
  const known = tokens.map((token) => ({ token, digest: digest(token.token) }));
  return (header) => {
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
    if (!match?.[1])
      return {
        ok: false,
        reason: 'missing',
        message: 'Send an API token as "Authorization: Bearer <token>" (API_TOKENS on the controller).',
      };
    const given = digest(match[1]);
    let found: ApiToken | undefined;
    for (const entry of known) if (timingSafeEqual(entry.digest, given)) found = entry.token;
    if (!found) return { ok: false, reason: 'invalid', message: 'This API token is not one of API_TOKENS.' };
    return { ok: true, token: found, actor: apiActor(found) };
  };
}
