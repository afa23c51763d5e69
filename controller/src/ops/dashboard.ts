// Bull Board for the three queues at /admin/queues, behind basic auth. Without
// both credentials it is not mounted at all, and the path says why. It is
// read-only unless BULLBOARD_READONLY=false, and takes a change (any request but
// GET or HEAD) only from its own pages: a same-origin request, with JSON or no
// body, so a cross-site form cannot add or change jobs with saved credentials.
import { timingSafeEqual } from 'node:crypto';
import { createBullBoard } from '@bull-board/api';
import { createBoardAdapters } from '../queue/board.js';
import { ExpressAdapter } from '@bull-board/express';
import type { Express, NextFunction, Request, Response } from 'express';
import type { Logger } from '@agentops/core';
import type { QueueManager } from '../queue/manager.js';

export const DASHBOARD_PATH = '/admin/queues';

const READS = new Set(['GET', 'HEAD']);

function same(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export function basicAuth(username: string, password: string) {
  return (request: Request, response: Response, next: NextFunction) => {
    // RFC 7617: the scheme name is case-insensitive.
    const match = /^basic +([A-Za-z0-9+/=._~-]+) *$/i.exec(request.headers.authorization ?? '');
    const encoded = match?.[1];
    if (encoded) {
      const decoded = Buffer.from(encoded, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0 && same(decoded.slice(0, colon), username) && same(decoded.slice(colon + 1), password)) {
        next();
        return;
      }
    }
    response
      .set('WWW-Authenticate', 'Basic realm="AgentOps dashboard", charset="UTF-8"')
      .status(401)
      .send('Credentials required for the AgentOps dashboard.');
  };
}

/** The host:port a URL names, or undefined when it is not an http(s) URL. */
function hostOf(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.host.toLowerCase() : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Why a request that changes something is refused, or undefined when it may
 * go on: it must come from a page of this server (Origin, else Referer, names
 * the Host it was sent to) and carry JSON or no body at all. Pure.
 */
export function crossSiteProblem(request: {
  method: string;
  host?: string;
  origin?: string;
  referer?: string;
  contentType?: string;
  hasBody: boolean;
}): string | undefined {
  if (READS.has(request.method.toUpperCase())) return undefined;
  const from = request.origin ?? request.referer;
  const host = request.host?.toLowerCase();
  if (!from) return 'it names no Origin or Referer';
  if (!host || hostOf(from) !== host) return `it comes from ${from.slice(0, 100)}, not from this dashboard`;
  const type = request.contentType?.split(';')[0]?.trim().toLowerCase();
  if (type ? type !== 'application/json' : request.hasBody) {
    return `its body is ${type ?? 'of no stated type'}, not application/json`;
  }
  return undefined;
}

export function sameOriginOnly() {
  return (request: Request, response: Response, next: NextFunction) => {
    const length = request.headers['content-length'];
    const problem = crossSiteProblem({
      method: request.method,
      ...(request.headers.host ? { host: request.headers.host } : {}),
      ...(request.headers.origin ? { origin: request.headers.origin } : {}),
      ...(request.headers.referer ? { referer: request.headers.referer } : {}),
      ...(request.headers['content-type'] ? { contentType: request.headers['content-type'] } : {}),
      hasBody: request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0'),
    });
    if (!problem) {
      next();
      return;
    }
    response
      .status(403)
      .type('text/plain')
      .send(
        `Refused: the dashboard takes changes only from its own pages (a same-origin request with a JSON body or none), and ${problem}.`,
      );
  };
}

export function mountDashboard(
  app: Express,
  manager: QueueManager,
  settings: { username?: string; password?: string; readOnly: boolean },
  logger: Logger,
): boolean {
  if (!settings.username || !settings.password) {
    const why = 'The queue dashboard is off: set BULLBOARD_USERNAME and BULLBOARD_PASSWORD to turn it on.';
    logger.info({ dashboard: 'off' }, `[ops] ${why}`);
    app.use(DASHBOARD_PATH, (_request, response) => {
      response.status(404).type('text/plain').send(why);
    });
    return false;
  }
  const adapter = new ExpressAdapter();
  adapter.setBasePath(DASHBOARD_PATH);
  // Jobs added or edited here would skip AgentOps' ids and checks: read-only unless asked otherwise.
  const queues = createBoardAdapters(manager, { readOnly: settings.readOnly });
  createBullBoard({ queues, serverAdapter: adapter });
  app.use(DASHBOARD_PATH, basicAuth(settings.username, settings.password), sameOriginOnly(), adapter.getRouter());
  const mode = settings.readOnly ? 'read-only' : 'read-write';
  logger.info({ dashboard: mode }, `[ops] Queue dashboard at ${DASHBOARD_PATH} (basic auth, ${mode})`);
  return true;
}
