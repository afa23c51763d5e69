// What a failed Web API call means for the delivery: wait out a 429, back off
// and try again after a server or network failure, retry a message Slack
// cannot render as plain text, wait for the operator on a bad token, or give
// up on a call Slack will never accept. Pure.

export type CallFailure =
  | { kind: 'rate_limited'; retryAfterMs: number }
  /** Slack or the network failed; the call may or may not have gone through. */
  | { kind: 'transient'; reason: string }
  /** The blocks were refused; the text alone may still go. */
  | { kind: 'render'; reason: string }
  /** The token is bad or revoked: nothing will go until the operator fixes it. */
  | { kind: 'auth'; reason: string }
  | { kind: 'permanent'; reason: string };

const RENDER_ERRORS = new Set([
  'invalid_blocks',
  'invalid_blocks_format',
  'msg_too_long',
  'msg_blocks_too_long',
  'too_many_attachments',
  'invalid_attachments',
  'invalid_metadata_format',
  'invalid_metadata_schema',
  'metadata_too_large',
]);
const AUTH_ERRORS = new Set([
  'not_authed',
  'invalid_auth',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'ekm_access_denied',
]);
const TRANSIENT_ERRORS = new Set([
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'ratelimited',
  'team_added_to_org',
]);

interface WebApiErrorShape {
  code?: string;
  retryAfter?: number;
  statusCode?: number;
  data?: { error?: string };
  message?: string;
}

export function classifyFailure(error: unknown): CallFailure {
  const e = (error ?? {}) as WebApiErrorShape;
  switch (e.code) {
    case 'slack_webapi_rate_limited_error':
      return { kind: 'rate_limited', retryAfterMs: Math.max(1, e.retryAfter ?? 1) * 1_000 };
    case 'slack_webapi_platform_error': {
      const reason = e.data?.error ?? 'unknown_error';
      if (reason === 'ratelimited') return { kind: 'rate_limited', retryAfterMs: 1_000 };
      if (RENDER_ERRORS.has(reason)) return { kind: 'render', reason };
      // missing_scope and no_permission concern one method (files:write for uploads), not the token: permanent.
      if (AUTH_ERRORS.has(reason)) return { kind: 'auth', reason };
      if (TRANSIENT_ERRORS.has(reason)) return { kind: 'transient', reason };
      return { kind: 'permanent', reason };
    }
    case 'slack_webapi_http_error': {
      const status = e.statusCode ?? 0;
      if (status === 429) return { kind: 'rate_limited', retryAfterMs: 1_000 };
      if (status === 401 || status === 403) return { kind: 'auth', reason: `HTTP ${status}` };
      if (status >= 500 || status === 408) return { kind: 'transient', reason: `HTTP ${status}` };
      return { kind: 'permanent', reason: `HTTP ${status}` };
    }
    default:
      // slack_webapi_request_error (refused, reset, timed out) and anything unexpected.
      return { kind: 'transient', reason: e.message ?? String(error) };
  }
}
