// The access decision with its consequences, for every entry path: a refusal
// is logged as one structured line (refused, action, user, job, kind) and kept
// in the audit log, and so is every control action that went ahead.
import type { Logger } from '@agentops/core';
import type { AuditLog } from '../audit/log.js';
import {
  ACCESS_ACTIONS,
  authorize,
  type AccessAction,
  type AccessActor,
  type AccessDecision,
  type Target,
} from './policy.js';
import type { Roles } from './roles.js';

/** Actions worth a line in the audit log when they go ahead: all but reads and new jobs (refusals always are). */
const CONTROL_ACTIONS: ReadonlySet<AccessAction> = new Set(
  ACCESS_ACTIONS.filter((action) => action !== 'read' && action !== 'submit' && action !== 'followUp'),
);

export interface AccessGuard {
  /** Decides; a refusal is logged (with `context`'s fields) and audited before it is returned. */
  check(
    actor: AccessActor,
    action: AccessAction,
    target?: Target,
    context?: Record<string, unknown>,
  ): Promise<AccessDecision>;
  /** Records a control action that went ahead (or failed). */
  done(actor: AccessActor, action: AccessAction, job?: string, failed?: string): Promise<void>;
  isAdmin(actor: AccessActor): boolean;
  /** May `actor` read the text of jobs queued from the CLI (admins, or everyone with CLI_JOBS_VISIBLE)? */
  maySeeCliJobs(actor: AccessActor): boolean;
}

function jobOf(target: Target): string | undefined {
  return target && 'job' in target ? target.job.id : undefined;
}

export function createAccessGuard(
  roles: Roles,
  audit: AuditLog | undefined,
  logger: Logger,
  options: { cliJobsVisible?: boolean } = {},
): AccessGuard {
  const isAdmin = (actor: AccessActor) => actor.source === 'cli' || roles.policy().adminUsers.has(actor.id);
  return {
    async check(actor, action, target, context = {}) {
      const decision = authorize(roles.policy(), actor, action, target);
      if (!decision.allowed) {
        const job = jobOf(target);
        const queue = target && 'queue' in target ? target.queue : undefined;
        logger.warn(
          {
            refused: decision.reason,
            action,
            user: actor.id,
            kind: actor.source,
            ...(job ? { job } : {}),
            ...(queue ? { queue } : {}),
            ...context,
          },
          `[access] Refused ${action}${job ? ` of job ${job}` : ''} by ${actor.id} (${actor.source}): ${decision.reason}`,
        );
        await audit?.append({
          who: actor.id,
          action,
          source: actor.source,
          outcome: 'refused',
          reason: decision.reason,
          ...(job ? { job } : {}),
        });
      }
      return decision;
    },
    async done(actor, action, job, failed) {
      if (!CONTROL_ACTIONS.has(action)) return;
      await audit?.append({
        who: actor.id,
        action,
        source: actor.source,
        outcome: failed ? 'failed' : 'done',
        ...(job ? { job } : {}),
        ...(failed ? { reason: failed } : {}),
      });
    },
    isAdmin,
    maySeeCliJobs: (actor) => options.cliJobsVisible === true || isAdmin(actor),
  };
}
