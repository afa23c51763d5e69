// Inbound webhooks: `POST /hooks/<name>` for each hook of the hooks file.
// In order: the hook exists (404), the raw body is within WEBHOOK_MAX_BYTES
// (413), its signature holds (401; checked over the raw bytes before anything
// reads them), it is JSON (400), its event and `when` match (else 202
// "ignored"), and the template renders a job text. The request is then
// written to the inbox together with the claim of its delivery id (409 when
// that id was seen before: a replay) and submitted as the webhook actor
// `hook:<name>`, which may start jobs and nothing else.
import { createHash } from 'node:crypto';
import express from 'express';
import { KEY_TTL_SEC, redisKeys, toCodedError, type Logger } from '@agentops/core';
import { checkJobText } from '../intake/job-text.js';
import type { ServiceIntake } from '../intake/service-requests.js';
import { HTTP_PROBLEM_CODES, problem, problemOf, sendProblem } from '../ops/problem.js';
import type { Hook } from './hooks-file.js';
import { checkGithubSignature, checkTimestampedSignature, type SignatureCheck } from './signature.js';
import { matchWhen, renderTemplate } from './template.js';

export interface HooksDeps {
  hooks: readonly Hook[];
  intake: ServiceIntake;
  prefix: string;
  toleranceSec: number;
  maxBytes: number;
  logger: Logger;
  now?: () => number;
}

function verify(
  hook: Hook,
  body: Buffer,
  header: (name: string) => string | undefined,
  toleranceSec: number,
  now: number,
): SignatureCheck {
  if (hook.signature === 'github') return checkGithubSignature(hook.secret, body, header('x-hub-signature-256'));
  return checkTimestampedSignature(
    hook.secret,
    body,
    {
      ...(header('x-agentops-timestamp') ? { timestamp: header('x-agentops-timestamp') } : {}),
      ...(header('x-agentops-signature') ? { signature: header('x-agentops-signature') } : {}),
    },
    toleranceSec,
    now,
  );
}

/** The id a delivery is known by: the sender's, or (without one) its signature, so the same request is refused twice. */
function deliveryId(hook: Hook, header: (name: string) => string | undefined): string {
  const given = hook.signature === 'github' ? header('x-github-delivery') : header('x-agentops-delivery');
  if (given && /^[A-Za-z0-9._:-]{1,200}$/.test(given)) return given;
  const signature = hook.signature === 'github' ? header('x-hub-signature-256') : header('x-agentops-signature');
  return `sig-${createHash('sha256')
    .update(signature ?? '')
    .digest('hex')
    .slice(0, 32)}`;
}

export function createHooksRouter(deps: HooksDeps): express.Router {
  const router = express.Router();
  const keys = redisKeys(deps.prefix);
  const byName = new Map(deps.hooks.map((hook) => [hook.name, hook]));
  const now = deps.now ?? Date.now;

  router.post(
    '/hooks/:name',
    (request, response, next) => {
      if (byName.has(request.params.name)) return next();
      sendProblem(
        response,
        problem(
          404,
          HTTP_PROBLEM_CODES.NotFound,
          `There is no webhook "${request.params.name.slice(0, 40)}" (HOOKS_FILE).`,
        ),
      );
    },
    express.raw({ type: () => true, limit: deps.maxBytes }),
    async (request, response) => {
      const hook = byName.get(request.params.name as string);
      if (!hook) return;
      const header = (name: string) => request.get(name) ?? undefined;
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const log = { hook: hook.name, delivery: header('x-github-delivery') ?? header('x-agentops-delivery') };
      const signed = verify(hook, body, header, deps.toleranceSec, now());
      if (!signed.ok) {
        deps.logger.warn(
          { ...log, refused: signed.reason },
          `[hooks] Refused a delivery to ${hook.name}: ${signed.message}`,
        );
        return sendProblem(response, problem(401, HTTP_PROBLEM_CODES.BadSignature, signed.message));
      }
      let payload: unknown;
      try {
        payload = JSON.parse(body.toString('utf8'));
      } catch {
        return sendProblem(response, problem(400, HTTP_PROBLEM_CODES.BadRequest, 'body is not valid JSON.', 'body'));
      }
      const event = header('x-github-event') ?? header('x-agentops-event');
      if (hook.events && !(event && hook.events.includes(event)))
        return response
          .status(202)
          .json({ outcome: 'ignored', reason: `event ${event ?? '(none)'} is not one of ${hook.events.join(', ')}` });
      const when = matchWhen(hook.when, payload);
      if (!when.matched) return response.status(202).json({ outcome: 'ignored', reason: when.reason });
      const text = checkJobText(renderTemplate(hook.text, payload, hook.maxValueLength));
      if (!text.ok)
        return response.status(202).json({ outcome: 'ignored', reason: `the template gave no job: ${text.message}` });
      try {
        const jobs = await deps.intake.submit(
          {
            actor: { id: `hook:${hook.name}`, source: 'webhook' },
            items: [
              { text: text.text, priority: hook.priority, ...(hook.workspace ? { workspace: hook.workspace } : {}) },
            ],
            ...(hook.queue ? { queue: hook.queue } : {}),
            trigger: { kind: 'webhook', name: hook.name },
          },
          { key: keys.hookDelivery(hook.name, deliveryId(hook, header)), ttlSec: KEY_TTL_SEC.hookDelivery },
        );
        if (!jobs)
          return sendProblem(
            response,
            problem(409, HTTP_PROBLEM_CODES.Replayed, 'This delivery was accepted before; a replay starts nothing.'),
          );
        deps.logger.info(
          { ...log, jobIds: jobs.map((job) => job.id) },
          `[hooks] ${hook.name} started ${jobs.length} job(s)`,
        );
        response.status(202).json({ outcome: 'accepted', jobs: jobs.map((job) => ({ id: job.id, queue: job.queue })) });
      } catch (error) {
        deps.logger.warn({ ...log, err: toCodedError(error) }, `[hooks] Could not start ${hook.name}'s job`);
        sendProblem(response, problemOf(error));
      }
    },
  );
  router.use('/hooks', (_request, response) =>
    sendProblem(response, problem(404, HTTP_PROBLEM_CODES.NotFound, 'Webhooks are POST /hooks/<name> (HOOKS_FILE).')),
  );
  return router;
}
