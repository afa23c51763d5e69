// The operations HTTP server: health, readiness, queue status, version,
// Prometheus metrics and the dashboard. Bound to loopback unless HTTP_HOST says
// otherwise.
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import express from 'express';
import {
  AgentOpsError,
  ErrorCode,
  REPO_ROOT,
  systemErrorCode,
  toCodedError,
  type Config,
  type Logger,
  type Redis,
} from '@agentops/core';
import type { DeliveryHealth } from '../delivery/service.js';
import type { QueueManager } from '../queue/manager.js';
import type { SlackConnection } from '../slack/app.js';
import { mountDashboard } from './dashboard.js';
import type { Metrics } from './metrics.js';
import { problemErrors } from './problem.js';

export interface OpsDeps {
  config: Config;
  manager: QueueManager;
  redis: Redis;
  metrics: Metrics;
  logger: Logger;
  /** Present in Slack mode. */
  slack?: SlackConnection;
  /** The delivery service's state, in Slack mode. */
  delivery?: () => Promise<DeliveryHealth>;
  /** Accepted requests not yet handled. */
  inboxPending?: () => Promise<number>;
  /** More routes (the REST API, webhooks), mounted before the dashboard; their errors answer as problem JSON. */
  routers?: readonly express.Router[];
}

export interface OpsServer {
  port: number;
  close(): Promise<void>;
}

/** AgentOps' version, from the repository's package.json. */
export function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(`${REPO_ROOT}/package.json`, 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

async function redisAnswers(redis: Redis, timeoutMs: number): Promise<string | undefined> {
  if (redis.status !== 'ready') return `Redis is not connected (${redis.status})`;
  try {
    const pong = await Promise.race([
      redis.ping(),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs).unref(),
      ),
    ]);
    return pong === 'PONG' ? undefined : `Redis answered ${pong}`;
  } catch (error) {
    return `Redis did not answer PING: ${toCodedError(error).message}`;
  }
}

export function createOpsApp(deps: OpsDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  const started = Date.now();
  const info = {
    name: 'agentops',
    version: packageVersion(),
    node: process.version,
    startedAt: new Date(started).toISOString(),
  };

  app.get('/health', (_request, response) => {
    response.json({ status: 'ok', uptimeSeconds: Math.round((Date.now() - started) / 1_000) });
  });
  app.get('/ready', async (_request, response) => {
    const reasons: string[] = [];
    const redisProblem = await redisAnswers(deps.redis, 1_000);
    if (redisProblem) reasons.push(redisProblem);
    if (deps.config.slack && !deps.slack?.isConnected()) reasons.push('Slack Socket Mode is not connected');
    // Slack being slow or down does not stop jobs: delivery is reported, and "degraded", not "not ready".
    const delivery = deps.delivery ? await deps.delivery() : undefined;
    const intakePending = !redisProblem && deps.inboxPending ? await deps.inboxPending() : undefined;
    const status = reasons.length > 0 ? 'not ready' : delivery?.state === 'degraded' ? 'degraded' : 'ready';
    const body = {
      status,
      mode: deps.config.slack ? 'slack' : 'local',
      reasons,
      ...(delivery ? { delivery } : {}),
      ...(intakePending === undefined ? {} : { intake: { pending: intakePending } }),
    };
    response.status(reasons.length === 0 ? 200 : 503).json(body);
  });
  app.get('/queue-status', async (_request, response) => {
    try {
      response.json(await deps.manager.status());
    } catch (error) {
      response.status(503).json({ error: toCodedError(error).message });
    }
  });
  app.get('/version', (_request, response) => {
    response.json(info);
  });
  app.get('/metrics', async (_request, response) => {
    try {
      response.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
    } catch (error) {
      response
        .status(503)
        .type('text/plain')
        .send(`metrics unavailable: ${toCodedError(error).message}\n`);
    }
  });
  for (const router of deps.routers ?? []) app.use(router);
  app.use(problemErrors);
  mountDashboard(app, deps.manager, deps.config.bullBoard, deps.logger);
  return app;
}

export function startOpsServer(deps: OpsDeps): Promise<OpsServer> {
  const app = createOpsApp(deps);
  return new Promise((resolve, reject) => {
    const server: Server = app.listen(deps.config.http.port, deps.config.http.host);
    server.once('error', (error) => {
      const where = `${deps.config.http.host}:${deps.config.http.port}`;
      const code = systemErrorCode(error);
      const message =
        code === 'EADDRINUSE'
          ? `Port ${where} is already in use: stop the other program or set PORT to a free port`
          : `The operations server could not listen on ${where} (${code ?? error.message}): check HTTP_HOST and PORT`;
      reject(new AgentOpsError(ErrorCode.ConfigInvalid, message, { cause: error }));
    });
    server.once('listening', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : deps.config.http.port;
      deps.logger.info(
        { ops: 'listening', host: deps.config.http.host, port },
        `[ops] Operations server on http://${deps.config.http.host}:${port} (/health, /ready, /queue-status, /version, /metrics)`,
      );
      resolve({
        port,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}
