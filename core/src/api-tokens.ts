// API_TOKENS: the named bearer tokens of the REST API, parsed. Pure.
//
// Format: comma-separated `<name>=<scope>:<token>` entries, e.g.
// `ci=write:3f9a…,dash=read:81bc…`. The name is what the audit log, the job's
// requester (`api:<name>`) and the rate limit know the token by, so the token
// itself never has to be shown anywhere; `write` includes `read`. Tokens are
// long random strings (at least 24 characters, no commas or spaces), each used
// once, so a token identifies exactly one name.

/** What an API token may do: read jobs, or also start and control its own. */
export const API_SCOPES = ['read', 'write'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

export interface ApiToken {
  name: string;
  /** `write` tokens have both scopes. */
  scopes: ApiScope[];
  token: string;
}

/** Shortest token accepted: guessing one must be out of the question. */
export const MIN_API_TOKEN_LENGTH = 24;

const NAME = /^[a-z0-9][a-z0-9_-]{0,39}$/;
const TOKEN = /^[A-Za-z0-9._~+/=-]+$/;

export type ApiTokensParse = { ok: true; tokens: ApiToken[] } | { ok: false; problem: string };

/** Parses the value of API_TOKENS; the problem never repeats a token. */
export function parseApiTokens(value: string): ApiTokensParse {
  const tokens: ApiToken[] = [];
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  for (const [index, entry] of entries.entries()) {
    const where = `entry ${index + 1}`;
    const equals = entry.indexOf('=');
    const colon = entry.indexOf(':', equals + 1);
    if (equals < 1 || colon < 0)
      return { ok: false, problem: `${where} is not <name>=<read|write>:<token> (e.g. ci=write:<token>)` };
    const name = entry.slice(0, equals);
    const scope = entry.slice(equals + 1, colon);
    const token = entry.slice(colon + 1);
    if (!NAME.test(name))
      return {
        ok: false,
        problem: `${where}: the name must be lower-case letters, digits, _ and - (up to 40), starting with a letter or digit`,
      };
    if (scope !== 'read' && scope !== 'write')
      return { ok: false, problem: `token "${name}": the scope must be read or write` };
    if (token.length < MIN_API_TOKEN_LENGTH)
      return {
        ok: false,
        problem: `token "${name}" is shorter than ${MIN_API_TOKEN_LENGTH} characters (make one with: openssl rand -hex 24)`,
      };
    if (!TOKEN.test(token))
      return { ok: false, problem: `token "${name}" may only hold letters, digits and . _ ~ + / = -` };
    if (tokens.some((known) => known.name === name)) return { ok: false, problem: `names token "${name}" twice` };
    if (tokens.some((known) => known.token === token))
      return { ok: false, problem: `token "${name}" is the same as another token; give each its own` };
    tokens.push({ name, scopes: scope === 'write' ? ['read', 'write'] : ['read'], token });
  }
  return { ok: true, tokens };
}
