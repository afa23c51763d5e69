// Who may do what: the one access decision of AgentOps, for every entry path
// (slash command, channel message, thread reply, button, select, the CLI and
// later the API). Pure: the roles come in as sets (user groups already
// expanded), the answer goes out as a decision with a reason and the words a
// person sees.
//
// Roles: allowed users (ALLOWED_USERS; empty means everyone in the channel),
// code users (CODE_ALLOWED_USERS; empty means every allowed user), admins
// (ADMIN_USERS). The CLI is the workstation's owner and counts as an admin.
// Rules: starting, re-running or promoting a job needs permission for its
// queue; cancel, retry and promote of someone else's job need an admin; pause,
// resume and the worker count need an admin once ADMIN_USERS is set; the audit
// log is for admins. A follow-up in a job's thread (which continues that job's
// session and folder) and an answer to its tool-use approval are for the job's
// requester or an admin, and a follow-up needs permission for its queue too.
// Setting a channel's workspace and cleaning worktrees are like pause: admins
// once ADMIN_USERS is set. REST API tokens act by their scopes on their own
// jobs; webhooks only start jobs; a schedule's runs act as the person who made
// the schedule, with that person's rights at the time of each run (one made at
// the CLI: the owner's). A schedule is changed by its maker or an admin;
// discarding failed jobs (the failure digest) and letting a job run over a
// spent daily budget are for admins only.
import type { ApiScope, JobSource, QueueName } from '@agentops/core';

export const ACCESS_ACTIONS = [
  'submit',
  'retry',
  'promote',
  'cancel',
  'pause',
  'resume',
  'workers',
  'read',
  'audit',
  'followUp',
  'approve',
  'setWorkspace',
  'clean',
  'schedule',
  'discard',
  'overrideBudget',
] as const;
export type AccessAction = (typeof ACCESS_ACTIONS)[number];

export const REFUSAL_REASONS = [
  'not_allowed',
  'queue_not_allowed',
  'not_owner',
  'admin_only',
  'missing_scope',
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

export interface AccessPolicy {
  /** Empty: everyone in the channel. */
  allowedUsers: ReadonlySet<string>;
  /** Empty: everyone allowed. */
  codeUsers: ReadonlySet<string>;
  /** Empty: nobody but the workstation's owner (the CLI). */
  adminUsers: ReadonlySet<string>;
}

// What a REST API token may do (API_TOKENS): defined with the token format in core.
export { API_SCOPES, type ApiScope } from '@agentops/core';

export interface AccessActor {
  /** A Slack user id, "cli:<os user>", "api:<token name>" or "hook:<hook name>" (a schedule's runs act as its creator). */
  id: string;
  source: JobSource;
  /** An API token's scopes (source "api"). */
  scopes?: readonly ApiScope[];
}

/** The job an action is about, as far as access goes. */
export interface JobSubject {
  id: string;
  queue: QueueName;
  /** Who asked for it: a Slack user id, or "cli:<os user>". */
  requestedBy: string;
}

/** A schedule an action is about: who made it may change it (an admin too). */
export interface ScheduleSubject {
  id: string;
  createdBy: string;
}

export type Target = { queue: QueueName } | { job: JobSubject } | { schedule: ScheduleSubject } | undefined;

export type AccessDecision = { allowed: true } | { allowed: false; reason: RefusalReason; message: string };

const ALLOW: AccessDecision = { allowed: true };

function refuse(reason: RefusalReason, message: string): AccessDecision {
  return { allowed: false, reason, message };
}

export function isLocalOwner(actor: AccessActor): boolean {
  // A schedule made at the CLI runs with the workstation owner's rights, as its maker would.
  return actor.source === 'cli' || (actor.source === 'schedule' && actor.id.startsWith('cli:'));
}

export function isAdmin(policy: AccessPolicy, actor: AccessActor): boolean {
  return isLocalOwner(actor) || policy.adminUsers.has(actor.id);
}

function isAllowed(policy: AccessPolicy, actor: AccessActor): boolean {
  return isAdmin(policy, actor) || policy.allowedUsers.size === 0 || policy.allowedUsers.has(actor.id);
}

function mayUseQueue(policy: AccessPolicy, actor: AccessActor, queue: QueueName): boolean {
  if (queue !== 'code' || isAdmin(policy, actor)) return true;
  return policy.codeUsers.size === 0 || policy.codeUsers.has(actor.id);
}

const NOT_ALLOWED =
  'You are not on this AgentOps allow list (ALLOWED_USERS), so I cannot act on your request. Ask the owner of this workstation to add you.';

function queueRefusal(queue: QueueName, verb: string): AccessDecision {
  return refuse(
    'queue_not_allowed',
    queue === 'code'
      ? `This ${verb} is for the *code* queue, which runs Claude Code on the workstation, and you are not on its allow list (CODE_ALLOWED_USERS). Nothing was changed. Ask the owner to add you, or rephrase it as a writing or research task.`
      : `You may not use the *${queue}* queue. Nothing was changed.`,
  );
}

const VERBS: Partial<Record<AccessAction, string>> = {
  retry: 'run again',
  promote: 'promote',
  cancel: 'cancel',
  followUp: 'continue',
  approve: 'answer the approvals of',
};

const ADMIN_VERBS = {
  pause: 'pause the queues',
  resume: 'resume the queues',
  workers: 'change the worker count',
  setWorkspace: "set the channel's workspace",
  clean: 'clean up worktrees',
} as const;

/** What an API token's scope allows: `read` reads, `write` also starts jobs and controls its own. */
const API_ACTIONS: Partial<Record<AccessAction, ApiScope>> = {
  read: 'read',
  submit: 'write',
  cancel: 'write',
  retry: 'write',
  promote: 'write',
};

/**
 * Tokens (API_TOKENS) and hooks (the hooks file) are declared by the
 * workstation's owner, so the allow lists do not name them; a token does what
 * its scopes allow, on its own jobs, and a hook only starts jobs.
 */
function authorizeService(actor: AccessActor, action: AccessAction, target: Target): AccessDecision {
  if (actor.source === 'webhook')
    return action === 'submit'
      ? ALLOW
      : refuse('not_allowed', `A webhook only starts jobs; it may not ${action}. Nothing was changed.`);
  const needed = API_ACTIONS[action];
  if (!needed)
    return refuse(
      'not_allowed',
      `API tokens may not ${ADMIN_VERBS[action as keyof typeof ADMIN_VERBS] ?? action}; use Slack or the CLI.`,
    );
  if (!actor.scopes?.includes(needed))
    return refuse(
      'missing_scope',
      `This API token lacks the "${needed}" scope (API_TOKENS), so it may not ${action === 'read' ? 'read jobs' : action}.`,
    );
  const job = target && 'job' in target ? target.job : undefined;
  if (job && action !== 'submit' && action !== 'read' && job.requestedBy !== actor.id)
    return refuse(
      'not_owner',
      `Job #${job.id} was not started by this API token; it may only ${VERBS[action]} its own jobs.`,
    );
  return ALLOW;
}

/** May `actor` do `action` (on `target`)? */
export function authorize(
  policy: AccessPolicy,
  actor: AccessActor,
  action: AccessAction,
  target?: Target,
): AccessDecision {
  if (actor.source === 'api' || actor.source === 'webhook') return authorizeService(actor, action, target);
  if (!isAllowed(policy, actor)) return refuse('not_allowed', NOT_ALLOWED);
  const admin = isAdmin(policy, actor);
  switch (action) {
    case 'read':
      return ALLOW;
    case 'submit': {
      const queue =
        target && 'queue' in target ? target.queue : target && 'job' in target ? target.job.queue : undefined;
      if (queue && !mayUseQueue(policy, actor, queue)) return queueRefusal(queue, 'job was routed to');
      return ALLOW;
    }
    case 'retry':
    case 'promote':
    case 'cancel':
    case 'followUp':
    case 'approve': {
      const job = target && 'job' in target ? target.job : undefined;
      if (!job) return ALLOW;
      if (job.requestedBy !== actor.id && !admin)
        return refuse(
          'not_owner',
          `Job #${job.id} is not yours: only the person who asked for it or an admin (ADMIN_USERS) may ${VERBS[action]} it.`,
        );
      if (action !== 'cancel' && action !== 'approve' && !mayUseQueue(policy, actor, job.queue))
        return queueRefusal(job.queue, 'job is');
      return ALLOW;
    }
    case 'pause':
    case 'resume':
    case 'workers':
    case 'setWorkspace':
    case 'clean':
      if (policy.adminUsers.size > 0 && !admin)
        return refuse('admin_only', `Only an admin (ADMIN_USERS) may ${ADMIN_VERBS[action]}.`);
      return ALLOW;
    case 'audit':
      if (!admin) return refuse('admin_only', 'Only an admin (ADMIN_USERS) may read the audit log.');
      return ALLOW;
    case 'overrideBudget':
      if (!admin)
        return refuse(
          'admin_only',
          'Only an admin (ADMIN_USERS) may let a job run over a spent daily budget (CODE_DAILY_BUDGET_USD, USER_DAILY_BUDGET_USD).',
        );
      return ALLOW;
    case 'schedule': {
      // Adding one needs the rights its runs will use; changing one needs to be its maker or an admin.
      if (target && 'queue' in target && !mayUseQueue(policy, actor, target.queue))
        return queueRefusal(target.queue, 'schedule is for');
      const schedule = target && 'schedule' in target ? target.schedule : undefined;
      if (schedule && schedule.createdBy !== actor.id && !admin)
        return refuse(
          'not_owner',
          `Schedule ${schedule.id} is not yours: only the person who made it or an admin (ADMIN_USERS) may change or run it.`,
        );
      return ALLOW;
    }
    case 'discard':
      // Removes failed jobs for good, whoever asked for them.
      if (!admin) return refuse('admin_only', 'Only an admin (ADMIN_USERS) may discard failed jobs.');
      return ALLOW;
  }
}
