// The one access decision as a table: every role against every action, on a
// queue, on one's own job and on someone else's, with and without admins.
import { describe, expect, it } from 'vitest';
import {
  ACCESS_ACTIONS,
  authorize,
  type AccessAction,
  type AccessPolicy,
  type AccessActor,
  type Target,
} from '@agentops/controller';

const STRANGER: AccessActor = { id: 'U0STRANGE', source: 'slash' };
const MEMBER: AccessActor = { id: 'U0MEMBER1', source: 'message' };
const CODER: AccessActor = { id: 'U0CODER01', source: 'button' };
const ADMIN: AccessActor = { id: 'U0ADMIN01', source: 'slash' };
const OWNER: AccessActor = { id: 'cli:alice', source: 'cli' };
const READER: AccessActor = { id: 'api:dashboard', source: 'api', scopes: ['read'] };
const WRITER: AccessActor = { id: 'api:ci', source: 'api', scopes: ['read', 'write'] };
const HOOK: AccessActor = { id: 'hook:github', source: 'webhook' };
const SCHEDULE: AccessActor = { id: 'U0MEMBER1', source: 'schedule' };

const withAdmins: AccessPolicy = {
  allowedUsers: new Set(['U0MEMBER1', 'U0CODER01']),
  codeUsers: new Set(['U0CODER01']),
  adminUsers: new Set(['U0ADMIN01']),
};
const noAdmins: AccessPolicy = { ...withAdmins, adminUsers: new Set() };
const open: AccessPolicy = { allowedUsers: new Set(), codeUsers: new Set(), adminUsers: new Set() };

const codeQueue: Target = { queue: 'code' };
const localQueue: Target = { queue: 'local' };
const job = (requestedBy: string, queue: 'code' | 'local' = 'local'): Target => ({
  job: { id: '7', queue, requestedBy },
});

const schedule = (createdBy: string): Target => ({ schedule: { id: 's3', createdBy } });

type Row = [policy: string, actor: AccessActor, action: AccessAction, target: Target, expected: string];
const POLICIES: Record<string, AccessPolicy> = { withAdmins, noAdmins, open };

// expected: 'ok' or the refusal reason.
const TABLE: Row[] = [
  // Not on the allow list: nothing at all.
  ...ACCESS_ACTIONS.map((action): Row => ['withAdmins', STRANGER, action, localQueue, 'not_allowed']),
  ['open', STRANGER, 'read', undefined, 'ok'],
  ['open', STRANGER, 'submit', codeQueue, 'ok'],
  // Starting a job needs its queue.
  ['withAdmins', MEMBER, 'submit', localQueue, 'ok'],
  ['withAdmins', MEMBER, 'submit', codeQueue, 'queue_not_allowed'],
  ['withAdmins', CODER, 'submit', codeQueue, 'ok'],
  ['withAdmins', ADMIN, 'submit', codeQueue, 'ok'],
  ['withAdmins', OWNER, 'submit', codeQueue, 'ok'],
  // One's own job.
  ['withAdmins', MEMBER, 'cancel', job('U0MEMBER1'), 'ok'],
  ['withAdmins', MEMBER, 'retry', job('U0MEMBER1'), 'ok'],
  ['withAdmins', MEMBER, 'promote', job('U0MEMBER1'), 'ok'],
  // Re-running a code job needs the code queue, even one's own (the list may have changed).
  ['withAdmins', MEMBER, 'retry', job('U0MEMBER1', 'code'), 'queue_not_allowed'],
  ['withAdmins', MEMBER, 'promote', job('U0MEMBER1', 'code'), 'queue_not_allowed'],
  ['withAdmins', MEMBER, 'cancel', job('U0MEMBER1', 'code'), 'ok'],
  // Someone else's job: only an admin (or the workstation's owner).
  ['withAdmins', MEMBER, 'retry', job('U0CODER01', 'code'), 'not_owner'],
  ['withAdmins', CODER, 'retry', job('U0MEMBER1'), 'not_owner'],
  ['withAdmins', CODER, 'cancel', job('U0MEMBER1'), 'not_owner'],
  ['withAdmins', CODER, 'promote', job('U0MEMBER1'), 'not_owner'],
  ['withAdmins', ADMIN, 'retry', job('U0CODER01', 'code'), 'ok'],
  ['withAdmins', ADMIN, 'cancel', job('U0MEMBER1'), 'ok'],
  ['withAdmins', OWNER, 'cancel', job('U0MEMBER1'), 'ok'],
  ['withAdmins', OWNER, 'retry', job('U0CODER01', 'code'), 'ok'],
  ['noAdmins', CODER, 'cancel', job('U0MEMBER1'), 'not_owner'],
  ['noAdmins', CODER, 'cancel', job('cli:alice'), 'not_owner'],
  ['open', STRANGER, 'cancel', job('U0MEMBER1'), 'not_owner'],
  // Queue controls: admins once ADMIN_USERS is set, every allowed user before.
  ['withAdmins', MEMBER, 'pause', undefined, 'admin_only'],
  ['withAdmins', MEMBER, 'resume', undefined, 'admin_only'],
  ['withAdmins', CODER, 'workers', undefined, 'admin_only'],
  ['withAdmins', ADMIN, 'pause', undefined, 'ok'],
  ['withAdmins', OWNER, 'workers', undefined, 'ok'],
  ['noAdmins', MEMBER, 'pause', undefined, 'ok'],
  ['noAdmins', MEMBER, 'workers', undefined, 'ok'],
  // A follow-up continues someone's session and folder: the thread's requester or an admin, on a queue they may use.
  ['withAdmins', MEMBER, 'followUp', job('U0MEMBER1'), 'ok'],
  ['withAdmins', MEMBER, 'followUp', job('U0MEMBER1', 'code'), 'queue_not_allowed'],
  ['withAdmins', CODER, 'followUp', job('U0MEMBER1'), 'not_owner'],
  ['withAdmins', CODER, 'followUp', job('U0CODER01', 'code'), 'ok'],
  ['withAdmins', ADMIN, 'followUp', job('U0CODER01', 'code'), 'ok'],
  ['open', STRANGER, 'followUp', job('U0MEMBER1'), 'not_owner'],
  // Answering a tool-use approval: the job's requester or an admin; the queue was checked when the job started.
  ['withAdmins', CODER, 'approve', job('U0CODER01', 'code'), 'ok'],
  ['withAdmins', MEMBER, 'approve', job('U0CODER01', 'code'), 'not_owner'],
  ['withAdmins', ADMIN, 'approve', job('U0CODER01', 'code'), 'ok'],
  ['withAdmins', OWNER, 'approve', job('U0CODER01', 'code'), 'ok'],
  // A channel's workspace and worktree cleaning: like the queue controls.
  ['withAdmins', CODER, 'setWorkspace', undefined, 'admin_only'],
  ['withAdmins', ADMIN, 'setWorkspace', undefined, 'ok'],
  ['noAdmins', MEMBER, 'setWorkspace', undefined, 'ok'],
  ['withAdmins', CODER, 'clean', undefined, 'admin_only'],
  ['withAdmins', OWNER, 'clean', undefined, 'ok'],
  ['noAdmins', CODER, 'clean', undefined, 'ok'],
  // REST API tokens: declared by the owner, so no allow list; their scopes, on their own jobs.
  ['withAdmins', READER, 'read', undefined, 'ok'],
  ['withAdmins', READER, 'submit', codeQueue, 'missing_scope'],
  ['withAdmins', WRITER, 'submit', codeQueue, 'ok'],
  ['withAdmins', WRITER, 'cancel', job('api:ci'), 'ok'],
  ['withAdmins', WRITER, 'retry', job('U0MEMBER1'), 'not_owner'],
  ['withAdmins', WRITER, 'pause', undefined, 'not_allowed'],
  ['withAdmins', WRITER, 'audit', undefined, 'not_allowed'],
  ['withAdmins', WRITER, 'followUp', job('api:ci'), 'not_allowed'],
  // Webhooks only start jobs.
  ['withAdmins', HOOK, 'submit', codeQueue, 'ok'],
  ['withAdmins', HOOK, 'cancel', job('hook:github'), 'not_allowed'],
  ['withAdmins', HOOK, 'read', undefined, 'not_allowed'],
  // A schedule's run is its creator's, with the creator's rights now.
  ['withAdmins', SCHEDULE, 'submit', localQueue, 'ok'],
  ['withAdmins', SCHEDULE, 'submit', codeQueue, 'queue_not_allowed'],
  ['withAdmins', { id: 'U0STRANGE', source: 'schedule' }, 'submit', localQueue, 'not_allowed'],
  // A schedule made at the CLI runs with the workstation owner's rights.
  ['withAdmins', { id: 'cli:alice', source: 'schedule' }, 'submit', codeQueue, 'ok'],
  // Managing schedules: adding needs the rights its runs use; changing one is its maker's or an admin's.
  ['withAdmins', MEMBER, 'schedule', localQueue, 'ok'],
  ['withAdmins', MEMBER, 'schedule', undefined, 'ok'],
  ['withAdmins', MEMBER, 'schedule', codeQueue, 'queue_not_allowed'],
  ['withAdmins', MEMBER, 'schedule', schedule('U0MEMBER1'), 'ok'],
  ['withAdmins', MEMBER, 'schedule', schedule('U0CODER01'), 'not_owner'],
  ['noAdmins', MEMBER, 'schedule', schedule('U0CODER01'), 'not_owner'],
  ['withAdmins', ADMIN, 'schedule', schedule('U0CODER01'), 'ok'],
  ['withAdmins', OWNER, 'schedule', schedule('U0CODER01'), 'ok'],
  ['withAdmins', WRITER, 'schedule', undefined, 'not_allowed'],
  ['withAdmins', HOOK, 'schedule', undefined, 'not_allowed'],
  // Discarding failed jobs removes other people's jobs: admins only, even without ADMIN_USERS.
  ['withAdmins', MEMBER, 'discard', undefined, 'admin_only'],
  ['noAdmins', MEMBER, 'discard', undefined, 'admin_only'],
  ['withAdmins', ADMIN, 'discard', undefined, 'ok'],
  ['noAdmins', OWNER, 'discard', undefined, 'ok'],
  // Reading, and the audit log.
  ['withAdmins', MEMBER, 'read', undefined, 'ok'],
  ['withAdmins', MEMBER, 'audit', undefined, 'admin_only'],
  ['noAdmins', MEMBER, 'audit', undefined, 'admin_only'],
  ['withAdmins', ADMIN, 'audit', undefined, 'ok'],
  ['noAdmins', OWNER, 'audit', undefined, 'ok'],
];

describe('authorize', () => {
  it.each(TABLE)('%s: %j %s %j → %s', (policy, actor, action, target, expected) => {
    const decision = authorize(POLICIES[policy] as AccessPolicy, actor, action, target);
    expect(decision.allowed ? 'ok' : decision.reason).toBe(expected);
    if (!decision.allowed) expect(decision.message.length).toBeGreaterThan(20);
  });

  it('says why in words that name the fix', () => {
    const refused = authorize(withAdmins, MEMBER, 'retry', job('U0CODER01', 'code'));
    expect(refused.allowed).toBe(false);
    if (!refused.allowed) expect(refused.message).toContain('ADMIN_USERS');
    const queue = authorize(withAdmins, MEMBER, 'submit', codeQueue);
    if (!queue.allowed) expect(queue.message).toContain('CODE_ALLOWED_USERS');
  });
});
