// Runs a parsed command against the queues and returns what happened, for any
// front end (CLI, Slack) to present in its own way.
import {
  AgentOpsError,
  ErrorCode,
  isCodedError,
  toCodedError,
  type JobData,
  type JobPriority,
  type JobSource,
  type Config,
  type JobStats,
  type QueueName,
  type SlackOrigin,
  type WorktreeCleanOutcome,
} from '@agentops/core';
import type { AccessGuard } from '../access/guard.js';
import type { AccessAction, Target } from '../access/policy.js';
import type { AuditLog, AuditRecord } from '../audit/log.js';
import type { Inbox } from '../intake/inbox.js';
import type { Plans } from '../intake/plans.js';
import { submitJobs } from '../intake/submit.js';
import type { FindResult, JobMemory } from '../memory/index.js';
import type { Router } from '../router/index.js';
import type { ThreadChain } from '../conversations/chain.js';
import { gatherUsage, type UsageReport } from './usage.js';
import { handoffCommand } from '../conversations/handoff.js';
import { releaseFollower } from '../conversations/release.js';
import type { Command, ListState } from './grammar.js';
import type { HistoryQueries } from '../history/types.js';
import { hideCliJobs, historyPage, historyStats, inspectOrPast, type HistoryCommandOutcome } from './history.js';
import type { ScheduleAction } from './schedule-grammar.js';
import { askBulk, type BulkConfirmations, type BulkQuestion } from './bulk.js';
import type { Schedules, ScheduleView } from '../schedules/service.js';
import { chooseForItems, findWorkspace, unknownWorkspace, type Workspaces } from '../workspaces/index.js';
import {
  isUnreadable,
  type CancelOutcome,
  type JobDetails,
  type ListedJob,
  type QueueManager,
  type StatusSnapshot,
} from '../queue/manager.js';

export type Outcome =
  | { kind: 'help' }
  /** `workspaces`: the channel's default workspace and the configured names, when there are any. */
  | { kind: 'status'; snapshot: StatusSnapshot; workspaces?: ChannelWorkspace }
  | { kind: 'queued'; jobs: JobData[]; batch: boolean }
  | { kind: 'paused'; snapshot: StatusSnapshot }
  | { kind: 'resumed'; snapshot: StatusSnapshot }
  | { kind: 'workers'; count: number; snapshot: StatusSnapshot }
  | { kind: 'cancelled'; result: CancelOutcome }
  | { kind: 'retried'; job: JobDetails }
  | { kind: 'promoted'; job: JobDetails; from: JobPriority }
  /** Jobs whose stored data cannot be read are among them, as such. */
  | { kind: 'list'; jobs: ListedJob[]; state?: ListState }
  | { kind: 'inspect'; job: JobDetails }
  | { kind: 'find'; query: string; result: FindResult }
  | { kind: 'audit'; records: AuditRecord[] }
  | { kind: 'usage'; report: UsageReport }
  /** `history`, `stats`, and `inspect` of a job only the history still knows (history.ts). */
  | HistoryCommandOutcome
  /** `command` is undefined when the job left no Claude session (not a code or research job, or not finished). */
  | { kind: 'handoff'; id: string; command?: string }
  /** The channel's default workspace after `repo` (`change` says what `repo <name>`/`repo none` did), and the configured names. */
  | { kind: 'repo'; workspace?: string; names: readonly string[]; change?: 'set' | 'cleared'; channel?: string }
  | { kind: 'clean'; result: WorktreeCleanOutcome }
  | { kind: 'scheduleAdded'; schedule: ScheduleView; nextRuns: number[] }
  | { kind: 'scheduleList'; schedules: ScheduleView[] }
  | { kind: 'scheduleChanged'; action: ScheduleAction; schedule: ScheduleView }
  /** `retry failed` / `cancel waiting`: the count, and the token its Confirm carries. */
  | { kind: 'bulkQuestion'; question: BulkQuestion };

export interface Actor {
  /** Slack user id or "cli:<os user>". */
  id: string;
  source: JobSource;
  slack?: SlackOrigin;
}

export interface OperationDeps {
  manager: QueueManager;
  route: Router;
  /** The one access decision; every command is checked and every control action audited. */
  guard: AccessGuard;
  /** The audit log `audit` reads. */
  audit?: AuditLog;
  /** New jobs are first written here, as every entry path's are. */
  inbox: Inbox;
  plans: Plans;
  /** Job memory for `find`; absent where none was set up. */
  memory?: JobMemory;
  /** The job history for `history`, `stats` and `inspect` of old jobs; absent where there is none. */
  history?: HistoryQueries;
  /** The order of job threads: a follow-up waiting for a cancelled job is let go. */
  threads?: ThreadChain;
  /** The configuration: `usage` reports against its daily budgets. */
  config?: Pick<Config, 'budgets'>;
  /** CODE_WORKSPACES names, channel defaults and worktree cleaning; absent: no workspaces. */
  workspaces?: Workspaces;
  /** Schedules (`schedule …`); absent where none were set up. */
  schedules?: Schedules;
  /** Bulk confirmations (`retry failed`, `cancel waiting`); absent where none were set up. */
  bulk?: BulkConfirmations;
}

/** A channel's default workspace, if set, and the names configured. */
export interface ChannelWorkspace {
  workspace?: string;
  names: readonly string[];
}

/** How many audit records `audit` shows unless told otherwise. */
export const AUDIT_LIMIT = 20;

/** How many past jobs `find` lists unless told otherwise. */
export const FIND_LIMIT = 5;

export interface ExecuteOptions {
  /** Skip routing and put every job on this queue (CLI --queue). */
  queue?: QueueName;
  /** How many rows `list` shows and how many past jobs `find` lists. */
  listLimit?: number;
  /** The channel `repo` shows or sets the default workspace of, and `status` shows it for. */
  channel?: string;
  /** Every job's workspace (CLI --repo). */
  workspace?: string;
}

/** What each command asks to do, as the access decision knows it. */
function actionOf(command: Command): AccessAction {
  switch (command.kind) {
    case 'add':
      return 'submit';
    case 'cancel':
    case 'retry':
    case 'promote':
    case 'pause':
    case 'resume':
    case 'workers':
    case 'audit':
    case 'clean':
      return command.kind;
    case 'repo':
      return command.set === undefined ? 'read' : 'setWorkspace';
    case 'scheduleAdd':
    case 'scheduleControl':
      return 'schedule';
    default:
      return 'read';
  }
}

/** Refused, with the words the access decision chose. */
async function authorizeCommand(
  command: Command,
  deps: OperationDeps,
  actor: Actor,
): Promise<{ action: AccessAction; job?: string }> {
  const action = actionOf(command);
  let target: Target;
  let job: string | undefined;
  if (command.kind === 'cancel' || command.kind === 'retry' || command.kind === 'promote') {
    job = command.id;
    try {
      const details = await deps.manager.inspect(command.id);
      target = { job: { id: details.id, queue: details.queue, requestedBy: details.data.requestedBy } };
    } catch (error) {
      // A job whose data cannot be read has no known owner, and the action itself refuses it, saying why.
      if (!isCodedError(error, ErrorCode.JobDataInvalid)) throw error;
    }
  }
  if (command.kind === 'scheduleAdd' && command.queue) target = { queue: command.queue };
  if (command.kind === 'scheduleControl') {
    const schedule = await requireSchedules(deps).get(command.id);
    target = { schedule: { id: schedule.id, createdBy: schedule.createdBy } };
  }
  // Starting jobs is checked per job, once each is routed (submitJobs' admit).
  if (action !== 'submit') {
    const decision = await deps.guard.check(actor, action, target);
    if (!decision.allowed)
      throw new AgentOpsError(ErrorCode.Forbidden, decision.message, { details: { reason: decision.reason } });
  }
  return { action, ...(job ? { job } : {}) };
}

/** A CLI job's text is the workstation owner's: in Slack only admins see it, unless CLI_JOBS_VISIBLE. */
function visibleTo(deps: OperationDeps, actor: Actor, job: JobDetails): JobDetails {
  if (job.data.source !== 'cli' || deps.guard.maySeeCliJobs(actor)) return job;
  const { result: _result, failedReason: _reason, ...rest } = job;
  return { ...rest, data: { ...job.data, text: CLI_TEXT_HIDDEN } };
}

export const CLI_TEXT_HIDDEN = '(queued from the workstation’s CLI; only admins see its text)';

export async function execute(
  command: Command,
  deps: OperationDeps,
  actor: Actor,
  options: ExecuteOptions = {},
): Promise<Outcome> {
  const { action, job } = await authorizeCommand(command, deps, actor);
  try {
    const outcome = await run(command, deps, actor, options);
    await deps.guard.done(actor, action, job);
    if (outcome.kind === 'inspect') return { ...outcome, job: visibleTo(deps, actor, outcome.job) };
    if (outcome.kind === 'history' || outcome.kind === 'past')
      return deps.guard.maySeeCliJobs(actor) ? outcome : hideCliJobs(outcome, CLI_TEXT_HIDDEN);
    if (outcome.kind === 'list')
      return {
        ...outcome,
        jobs: outcome.jobs.map((entry) => (isUnreadable(entry) ? entry : visibleTo(deps, actor, entry))),
      };
    return outcome;
  } catch (error) {
    await deps.guard.done(actor, action, job, toCodedError(error).code);
    throw error;
  }
}

/** The channel's default workspace and the configured names; undefined when there is nothing to say. */
async function channelWorkspace(
  deps: OperationDeps,
  channel: string | undefined,
): Promise<ChannelWorkspace | undefined> {
  const names = deps.workspaces?.names ?? [];
  if (!deps.workspaces || names.length === 0) return undefined;
  const stored = channel ? await deps.workspaces.channels.get(channel) : undefined;
  const workspace = stored === undefined ? undefined : findWorkspace(names, stored);
  return { names, ...(workspace ? { workspace } : {}) };
}

async function repoCommand(
  set: string | undefined,
  deps: OperationDeps,
  channel: string | undefined,
): Promise<Outcome> {
  const names = deps.workspaces?.names ?? [];
  const shown = channel ? { channel } : {};
  if (set === undefined) return { kind: 'repo', names, ...shown, ...(await channelWorkspace(deps, channel)) };
  if (!deps.workspaces || !channel)
    throw new AgentOpsError(
      ErrorCode.Usage,
      "A channel's workspace is set in Slack: type /queue repo <name> in the channel (or set SLACK_CHANNEL_ID for the CLI).",
    );
  if (set === 'none') {
    await deps.workspaces.channels.clear(channel);
    return { kind: 'repo', names, change: 'cleared', ...shown };
  }
  const workspace = findWorkspace(names, set);
  if (!workspace) throw new AgentOpsError(ErrorCode.Usage, unknownWorkspace(names, set));
  await deps.workspaces.channels.set(channel, workspace);
  return { kind: 'repo', names, workspace, change: 'set', ...shown };
}

function requireSchedules(deps: OperationDeps): Schedules {
  if (!deps.schedules) throw new AgentOpsError(ErrorCode.Internal, 'schedules are not set up in this process');
  return deps.schedules;
}

async function scheduleCommand(
  command: Extract<Command, { kind: 'scheduleAdd' | 'scheduleList' | 'scheduleControl' }>,
  deps: OperationDeps,
  actor: Actor,
): Promise<Outcome> {
  const schedules = requireSchedules(deps);
  if (command.kind === 'scheduleList') return { kind: 'scheduleList', schedules: await schedules.list() };
  if (command.kind === 'scheduleAdd') {
    const added = await schedules.add({
      createdBy: actor.id,
      expression: command.expression,
      request: command.request,
      ...(command.queue ? { queue: command.queue } : {}),
    });
    return { kind: 'scheduleAdded', ...added };
  }
  const schedule = await schedules[command.action](command.id);
  return { kind: 'scheduleChanged', action: command.action, schedule };
}

async function run(command: Command, deps: OperationDeps, actor: Actor, options: ExecuteOptions): Promise<Outcome> {
  const { manager } = deps;
  switch (command.kind) {
    case 'scheduleAdd':
    case 'scheduleList':
    case 'scheduleControl':
      return scheduleCommand(command, deps, actor);
    case 'retryFailed':
    case 'cancelWaiting': {
      if (!deps.bulk) throw new AgentOpsError(ErrorCode.Internal, 'bulk actions are not set up in this process');
      const action = command.kind === 'retryFailed' ? 'retry' : 'cancel';
      const admin = deps.guard.isAdmin(actor);
      return { kind: 'bulkQuestion', question: await askBulk(manager, deps.bulk, actor, admin, action, command.queue) };
    }
    case 'help':
      return { kind: 'help' };
    case 'status': {
      const [snapshot, workspaces] = await Promise.all([manager.status(), channelWorkspace(deps, options.channel)]);
      return { kind: 'status', snapshot, ...(workspaces ? { workspaces } : {}) };
    }
    case 'repo':
      return repoCommand(command.set, deps, options.channel);
    case 'clean': {
      if (!deps.workspaces)
        throw new AgentOpsError(ErrorCode.Internal, 'worktree cleaning is not set up in this process');
      return { kind: 'clean', result: await deps.workspaces.clean(actor.id) };
    }
    case 'add': {
      const origin = { source: actor.source, requestedBy: actor.id, ...(actor.slack ? { slack: actor.slack } : {}) };
      // The workspace is chosen (and `repo=` taken out of the text) before the entry is written, so the
      // controller finishing a dead CLI's entry submits the same requests.
      const chosen = chooseForItems(
        command.items,
        deps.workspaces?.names ?? [],
        options.workspace ? { explicit: options.workspace } : {},
      );
      if (chosen.refusals.length > 0) throw new AgentOpsError(ErrorCode.Usage, chosen.refusals.join('\n'));
      const items = chosen.items;
      // Recorded first, then submitted here: if this process dies half way, the
      // controller's inbox consumer finishes the entry from the same plan.
      const entryId = await deps.inbox.write({
        kind: 'cli-add',
        requestedBy: actor.id,
        items,
        ...(options.queue ? { queue: options.queue } : {}),
      });
      const jobs = await submitJobs(deps, origin, items, {
        entryId: entryId ?? `cli:${Date.now()}`,
        ...(options.queue ? { queue: options.queue } : {}),
        hooks: {
          async admit(_request, decision) {
            const access = await deps.guard.check(actor, 'submit', { queue: decision.queue });
            return access.allowed ? { admitted: true } : { admitted: false, message: access.message };
          },
        },
      });
      return { kind: 'queued', jobs, batch: command.batch };
    }
    case 'pause':
      await manager.pauseAll();
      return { kind: 'paused', snapshot: await manager.status() };
    case 'resume':
      await manager.resumeAll();
      return { kind: 'resumed', snapshot: await manager.status() };
    case 'workers':
      await manager.setGlobalConcurrency(command.count);
      return { kind: 'workers', count: command.count, snapshot: await manager.status() };
    case 'cancel': {
      const result = await manager.cancel(command.id, actor.id);
      // A running job's end is seen by the job-thread feed; a removed one has no end to see.
      if (result.outcome === 'removed' && deps.threads) await releaseFollower(deps.threads, manager, result.job.data);
      return { kind: 'cancelled', result };
    }
    case 'handoff': {
      const job = visibleTo(deps, actor, await manager.inspect(command.id));
      const stats = (job.result as { stats?: JobStats } | undefined)?.stats;
      const line = job.data.text === CLI_TEXT_HIDDEN ? undefined : handoffCommand(stats);
      return { kind: 'handoff', id: command.id, ...(line ? { command: line } : {}) };
    }
    case 'retry':
      return { kind: 'retried', job: (await manager.retry(command.id, actor.id)).job };
    case 'promote': {
      const before = await manager.inspect(command.id);
      return { kind: 'promoted', job: await manager.promote(command.id, command.priority), from: before.priority };
    }
    case 'list':
      return {
        kind: 'list',
        jobs: await manager.entries(command.state, options.listLimit),
        ...(command.state ? { state: command.state } : {}),
      };
    case 'inspect':
      return inspectOrPast(manager, deps.history, command.id);
    case 'history':
      return historyPage(deps.history, command.query, options.listLimit);
    case 'stats':
      return historyStats(deps.history);
    case 'audit':
      return { kind: 'audit', records: deps.audit ? await deps.audit.recent(options.listLimit ?? AUDIT_LIMIT) : [] };
    case 'usage':
      return { kind: 'usage', report: await gatherUsage(manager.spend, deps.config?.budgets ?? {}) };
    case 'find': {
      const result: FindResult = deps.memory
        ? await deps.memory.find(command.text, options.listLimit ?? FIND_LIMIT)
        : { on: false, reason: 'job memory is not set up in this process' };
      return { kind: 'find', query: command.text, result };
    }
  }
}
