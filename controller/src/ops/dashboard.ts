// Bull Board for the three queues at /admin/queues, behind basic auth. Without
// both credentials it is not mounted at all, and the path says why.
import { timingSafeEqual } from 'node:crypto';
import { createBullBoard } from '@bull-board/api';
import { ExpressAdapter } from '@bull-board/express';
import type { Express, NextFunction, Request, Response } from 'express';
import type { Logger } from '@agentops/core';
import { createBoardAdapters } from '../queue/board.js';
import type { QueueManager } from '../queue/manager.js';

export const DASHBOARD_PATH = '/admin/queues';

function same(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export function basicAuth(username: string, password: string) {
  return (request: Request, response: Response, next: NextFunction) => {
    const header = request.headers.authorization ?? '';
    const [scheme, encoded] = header.split(' ');
    if (scheme === 'Basic' && encoded) {
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

export function mountDashboard(
  app: Express,
  manager: QueueManager,
  credentials: { username?: string; password?: string },
  logger: Logger,
): boolean {
  if (!credentials.username || !credentials.password) {
    const why = 'The queue dashboard is off: set BULLBOARD_USERNAME and BULLBOARD_PASSWORD to turn it on.';
    logger.info({ dashboard: 'off' }, `[ops] ${why}`);
    app.use(DASHBOARD_PATH, (_request, response) => {
      response.status(404).type('text/plain').send(why);
    });
    return false;
  }
  const adapter = new ExpressAdapter();
  adapter.setBasePath(DASHBOARD_PATH);
  createBullBoard({ queues: createBoardAdapters(manager), serverAdapter: adapter });
  app.use(DASHBOARD_PATH, basicAuth(credentials.username, credentials.password), adapter.getRouter());
  logger.info(`[ops] Queue dashboard at ${DASHBOARD_PATH} (basic auth)`);
  return true;
}
