// Errors of the operations server's JSON endpoints (the REST API, webhooks) as
// RFC 9457 problem details: `application/problem+json` with type, title,
// status and detail, plus our own `code` (an ErrorCode or an HTTP-level code
// such as RATE_LIMITED) and, for a bad body, the field at fault. Pure, except
// for send(), which writes one to an Express response.
import { ErrorCode, toCodedError } from '@agentops/core';
import type { NextFunction, Request, Response } from 'express';

/** Problem types are URNs (RFC 9457 allows a type that is not a link); docs/api.md lists them. */
export const PROBLEM_TYPE_BASE = 'urn:agentops:problem:';

/** Codes a problem may carry besides the ErrorCodes: what went wrong at the HTTP level. */
export const HTTP_PROBLEM_CODES = {
  BadRequest: 'BAD_REQUEST',
  Unauthorized: 'UNAUTHORIZED',
  NotFound: 'NOT_FOUND',
  TooLarge: 'PAYLOAD_TOO_LARGE',
  RateLimited: 'RATE_LIMITED',
  BadSignature: 'BAD_SIGNATURE',
  Replayed: 'REPLAYED',
  Unavailable: 'UNAVAILABLE',
} as const;

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  /** The body field at fault (a bad request), e.g. "priority" or "callbackUrl". */
  field?: string;
}

const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  409: 'Conflict',
  413: 'Payload too large',
  429: 'Too many requests',
  500: 'Internal error',
  503: 'Service unavailable',
};

export function problem(status: number, code: string, detail: string, field?: string): Problem {
  return {
    type: `${PROBLEM_TYPE_BASE}${code.toLowerCase()}`,
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    code,
    ...(field ? { field } : {}),
  };
}

/** The HTTP status of a coded error from the queue manager, intake or access decision. */
export function statusOfCode(code: string): number {
  switch (code) {
    case ErrorCode.Usage:
      return 400;
    case ErrorCode.Forbidden:
      return 403;
    case ErrorCode.JobNotFound:
      return 404;
    case ErrorCode.JobFinished:
    case ErrorCode.JobInvalidState:
    case ErrorCode.JobDataInvalid:
    case ErrorCode.JobAlreadyCancelled:
    case ErrorCode.JobAlreadyRetried:
    case ErrorCode.JobBusy:
      return 409;
    case ErrorCode.RedisUnavailable:
      return 503;
    default:
      return 500;
  }
}

/** Anything thrown, as a problem; an unexpected error says only that it happened (the log has the rest). */
export function problemOf(error: unknown): Problem {
  const coded = toCodedError(error);
  const status = statusOfCode(coded.code);
  const detail =
    status === 500 ? 'Something went wrong inside AgentOps; the controller log has the details.' : coded.message;
  return problem(status, coded.code, detail);
}

export function sendProblem(response: Response, value: Problem, headers: Record<string, string> = {}): void {
  response.status(value.status).set(headers).type('application/problem+json').send(JSON.stringify(value));
}

/** Body parser and other request errors as problem JSON (mounted after the routers). */
export function problemErrors(error: unknown, request: Request, response: Response, next: NextFunction): void {
  if (response.headersSent || !(request.path.startsWith('/api') || request.path.startsWith('/hooks'))) {
    next(error);
    return;
  }
  const type = (error as { type?: string }).type;
  if (type === 'entity.too.large')
    sendProblem(response, problem(413, HTTP_PROBLEM_CODES.TooLarge, 'The body is too large.'));
  else if (type === 'entity.parse.failed')
    sendProblem(response, problem(400, HTTP_PROBLEM_CODES.BadRequest, 'body is not valid JSON.', 'body'));
  else sendProblem(response, problemOf(error));
}
