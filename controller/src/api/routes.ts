// The REST API on the operations server: `/api/jobs` to start, read, list,
// cancel, retry and promote jobs, and `/api/openapi.json`. Off (404) without
// API_TOKENS. Every request is authenticated by its bearer token and rate
// limited per token; starting a job goes through the inbox and submitJobs
// (intake/service-requests.ts), everything else through `execute`, so the
// access decision, its log lines and the audit log are the ones Slack and the
// CLI have. Errors are problem JSON (ops/problem.ts).
import express, { type NextFunction, type Request, type Response } from 'express';
import { ErrorCode, isCodedError, toCodedError, type Config, type Logger } from '@agentops/core';
import type { AccessActor } from '../access/policy.js';
import { CLI_TEXT_HIDDEN, execute, type OperationDeps } from '../commands/execute.js';
import type { Command } from '../commands/grammar.js';
import type { HistoryReader } from '../history/types.js';
import { checkJobText } from '../intake/job-text.js';
import type { ServiceIntake } from '../intake/service-requests.js';
import { HTTP_PROBLEM_CODES, problem, problemOf, sendProblem } from '../ops/problem.js';
import { chooseForItems, findWorkspace, unknownWorkspace } from '../workspaces/index.js';
import { callbackOutcome, type CallbackStore } from '../webhooks/callback-store.js';
import { checkCallbackUrl } from '../webhooks/callback-url.js';
import { scheduleCallback } from '../webhooks/callback-feed.js';
import { createTokenAuth } from './auth.js';
import { openApiDocument } from './openapi.js';
import { createRateLimiter } from './rate-limit.js';
import {
  actionResult,
  createJobBody,
  firstIssue,
  jobCreated,
  jobIdParam,
  jobList,
  listQuery,
  promoteBody,
  type JobView,
} from './schemas.js';
import { jobFromHistory, jobFromQueue } from './views.js';

export interface ApiDeps {
  config: Pick<Config, 'api' | 'workspaces'>;
  /** What `execute` needs: the queue manager, the guard, the inbox… */
  operations: OperationDeps;
  intake: ServiceIntake;
  callbacks: CallbackStore;
  /** The job history (list, and jobs BullMQ no longer keeps); absent: the list answers 503. */
  history?: HistoryReader;
  logger: Logger;
  version: string;
}

/** Largest JSON body the API reads. */
const MAX_BODY = '64kb';

type Authed = Response<unknown, { actor: AccessActor; token: string }>;

const bad = (response: Response, field: string, message: string) =>
  sendProblem(response, problem(400, HTTP_PROBLEM_CODES.BadRequest, `${field} ${message}`, field));

export function createApiRouter(deps: ApiDeps): express.Router {
  const router = express.Router();
  const { config, operations } = deps;
  const tokens = config.api.tokens;
  if (tokens.length === 0) {
    router.use('/api', (_request, response) =>
      sendProblem(
        response,
        problem(
          404,
          HTTP_PROBLEM_CODES.NotFound,
          'The REST API is off: set API_TOKENS on the controller (docs/api.md).',
        ),
      ),
    );
    return router;
  }
  const authenticate = createTokenAuth(tokens);
  const limiter = createRateLimiter(config.api.ratePerMin);
  const workspaceNames = config.workspaces.map((entry) => entry.name);
  const document = openApiDocument(deps.version);

  router.get('/api/openapi.json', (_request, response) => {
    response.json(document);
  });

  const guard = (request: Request, response: Response, next: NextFunction) => {
    const auth = authenticate(request.get('authorization'));
    if (!auth.ok) {
      sendProblem(response, problem(401, HTTP_PROBLEM_CODES.Unauthorized, auth.message), {
        'WWW-Authenticate': 'Bearer realm="agentops"',
      });
      return;
    }
    const rate = limiter.take(auth.token.name);
    if (!rate.ok) {
      sendProblem(
        response,
        problem(
          429,
          HTTP_PROBLEM_CODES.RateLimited,
          `Token "${auth.token.name}" made more than ${config.api.ratePerMin} requests in a minute (API_RATE_PER_MIN); try again in ${rate.retryAfterSec} s.`,
        ),
        { 'Retry-After': String(rate.retryAfterSec) },
      );
      return;
    }
    response.locals.actor = auth.actor;
    response.locals.token = auth.token.name;
    next();
  };
  router.use('/api/jobs', guard, express.json({ limit: MAX_BODY, strict: true }));

  /** Shows a CLI job's text to those the access decision lets see it (admins, or CLI_JOBS_VISIBLE). */
  const visible = (actor: AccessActor, view: JobView): JobView =>
    view.source !== 'cli' || operations.guard.maySeeCliJobs(actor)
      ? view
      : (({ answer: _answer, failedReason: _reason, ...rest }) => ({ ...rest, text: CLI_TEXT_HIDDEN }))(view);

  const withCallback = async (id: string) => {
    const record = await deps.callbacks.get(id);
    return record ? callbackOutcome(record) : undefined;
  };

  router.post('/api/jobs', async (request, response: Authed) => {
    const { actor, token } = response.locals;
    const allowed = await operations.guard.check(actor, 'submit', undefined, { api: 'createJob' });
    if (!allowed.allowed) return sendProblem(response, problem(403, ErrorCode.Forbidden, allowed.message));
    const body = createJobBody.safeParse(request.body ?? {});
    if (!body.success) {
      const issue = firstIssue(body.error);
      return bad(response, issue.field, issue.message);
    }
    const text = checkJobText(body.data.text);
    if (!text.ok) return bad(response, 'text', text.message.replace(/^text /, ''));
    let workspace: string | undefined;
    if (body.data.workspace !== undefined) {
      workspace = findWorkspace(workspaceNames, body.data.workspace);
      if (!workspace)
        return bad(
          response,
          'workspace',
          `is not configured: ${unknownWorkspace(workspaceNames, body.data.workspace)}`,
        );
    }
    const chosen = chooseForItems(
      [{ text: text.text, priority: body.data.priority, ...(workspace ? { workspace } : {}) }],
      workspaceNames,
    );
    const item = chosen.items[0];
    if (!item) return bad(response, 'text', `names a workspace that cannot be used: ${chosen.refusals.join(' ')}`);
    let callbackUrl: string | undefined;
    if (body.data.callbackUrl !== undefined) {
      const url = checkCallbackUrl(body.data.callbackUrl);
      if (!url.ok) return bad(response, 'callbackUrl', url.message.replace(/^callbackUrl /, ''));
      callbackUrl = url.url.toString();
    }
    try {
      const jobs = await deps.intake.submit({
        actor: { id: actor.id, source: 'api', scopes: [...(actor.scopes ?? [])] },
        items: [item],
        ...(body.data.queue ? { queue: body.data.queue } : {}),
        trigger: { kind: 'api', name: token, ...(callbackUrl ? { callbackUrl } : {}) },
      });
      const job = jobs?.[0];
      if (!job)
        return sendProblem(
          response,
          problem(403, ErrorCode.Forbidden, 'The access decision refused this job; nothing was queued.'),
        );
      const created = jobCreated.parse({
        id: job.id,
        queue: job.queue,
        priority: job.priority,
        status: 'waiting',
        routing: job.routing,
        ...(job.workspace ? { workspace: job.workspace } : {}),
        receipt: deps.intake.receipts,
      });
      response.status(201).location(`/api/jobs/${job.id}`).json(created);
    } catch (error) {
      deps.logger.warn({ err: toCodedError(error), api: 'createJob', user: actor.id }, '[api] Could not start a job');
      sendProblem(response, problemOf(error));
    }
  });

  router.get('/api/jobs', async (request, response: Authed) => {
    const { actor } = response.locals;
    const allowed = await operations.guard.check(actor, 'read', undefined, { api: 'listJobs' });
    if (!allowed.allowed) return sendProblem(response, problem(403, ErrorCode.Forbidden, allowed.message));
    const query = listQuery.safeParse(request.query);
    if (!query.success) {
      const issue = firstIssue(query.error);
      return bad(response, issue.field, issue.message);
    }
    if (!deps.history)
      return sendProblem(
        response,
        problem(
          503,
          ErrorCode.HistoryUnavailable,
          'history not configured: listing jobs needs the job history in this controller.',
        ),
      );
    try {
      const page = await deps.history.list({
        limit: query.data.limit ?? 20,
        ...(query.data.status ? { status: query.data.status } : {}),
        ...(query.data.queue ? { queue: query.data.queue } : {}),
        ...(query.data.cursor ? { cursor: query.data.cursor } : {}),
      });
      response.json(
        jobList.parse({
          jobs: page.jobs.map((job) => visible(actor, jobFromHistory(job))),
          ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
        }),
      );
    } catch (error) {
      sendProblem(response, problemOf(error));
    }
  });

  const jobId = (request: Request, response: Response): string | undefined => {
    const id = jobIdParam.safeParse(request.params.id);
    if (id.success) return id.data.replace(/^job-/, '');
    sendProblem(
      response,
      problem(404, ErrorCode.JobNotFound, `There is no job "${String(request.params.id).slice(0, 40)}".`),
    );
    return undefined;
  };

  router.get('/api/jobs/:id', async (request, response: Authed) => {
    const id = jobId(request, response);
    if (!id) return;
    const { actor } = response.locals;
    try {
      const outcome = await execute({ kind: 'inspect', id }, operations, actor);
      if (outcome.kind !== 'inspect') throw new Error(`inspect answered ${outcome.kind}`);
      response.json(visible(actor, jobFromQueue(outcome.job, await withCallback(id))));
    } catch (error) {
      const old = isCodedError(error, ErrorCode.JobNotFound)
        ? await deps.history?.get(id).catch(() => undefined)
        : undefined;
      if (old) return response.json(visible(actor, jobFromHistory(old, await withCallback(id))));
      sendProblem(response, problemOf(error));
    }
  });

  const control = (kind: 'cancel' | 'retry' | 'promote') => async (request: Request, response: Authed) => {
    const id = jobId(request, response);
    if (!id) return;
    const { actor } = response.locals;
    let command: Command = { kind: kind as 'cancel', id };
    if (kind === 'promote') {
      const body = promoteBody.safeParse(request.body ?? {});
      if (!body.success) {
        const issue = firstIssue(body.error);
        return bad(response, issue.field, issue.message);
      }
      command = { kind: 'promote', id, priority: body.data.priority };
    }
    try {
      const outcome = await execute(command, operations, actor);
      const job =
        outcome.kind === 'cancelled'
          ? outcome.result.job
          : outcome.kind === 'retried' || outcome.kind === 'promoted'
            ? outcome.job
            : undefined;
      if (!job) throw new Error(`${kind} answered ${outcome.kind}`);
      // A waiting job cancelled is removed, so no worker ends it: its callback is sent from here.
      if (outcome.kind === 'cancelled' && outcome.result.outcome === 'removed')
        await scheduleCallback(deps.callbacks, {
          data: job.data,
          status: 'cancelled',
          finishedAt: job.finishedAt ?? Date.now(),
          attempts: job.attemptsMade,
          cancelledBy: actor.id,
        });
      const outcomeName =
        outcome.kind === 'cancelled' ? outcome.result.outcome : outcome.kind === 'retried' ? 'requeued' : 'promoted';
      response.json(
        actionResult.parse({
          action: kind,
          outcome: outcomeName,
          job: visible(actor, jobFromQueue(job, await withCallback(id))),
        }),
      );
    } catch (error) {
      sendProblem(response, problemOf(error));
    }
  };
  router.post('/api/jobs/:id/cancel', control('cancel'));
  router.post('/api/jobs/:id/retry', control('retry'));
  router.post('/api/jobs/:id/promote', control('promote'));

  router.use('/api', (_request, response) =>
    sendProblem(response, problem(404, HTTP_PROBLEM_CODES.NotFound, 'No such API endpoint; see /api/openapi.json.')),
  );
  return router;
}
