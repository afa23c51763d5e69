// Runs a parsed command against the queues and returns what happened, for any
// front end (CLI, Slack) to present in its own way.
import type { JobData, JobPriority, JobSource, QueueName, SlackOrigin } from '@agentops/core';
import type { Inbox } from '../intake/inbox.js';
import type { Plans } from '../intake/plans.js';
import { submitJobs } from '../intake/submit.js';
import type { FindResult, JobMemory } from '../memory/index.js';
import type { Router } from '../router/index.js';
import type { Command, ListState } from './grammar.js';
import type { CancelOutcome, JobDetails, ListedJob, QueueManager, StatusSnapshot } from '../queue/manager.js';

export type Outcome =
  | { kind: 'help' }
  | { kind: 'status'; snapshot: StatusSnapshot }
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
  | { kind: 'find'; query: string; result: FindResult };

export interface Actor {
  /** Slack user id or "cli:<os user>". */
  id: string;
  source: JobSource;
  slack?: SlackOrigin;
}

export interface OperationDeps {
  manager: QueueManager;
  route: Router;
  /** New jobs are first written here, as every entry path's are. */
  inbox: Inbox;
  plans: Plans;
  /** Job memory for `find`; absent where none was set up. */
  memory?: JobMemory;
}

/** How many past jobs `find` lists unless told otherwise. */
export const FIND_LIMIT = 5;

export interface ExecuteOptions {
  /** Skip routing and put every job on this queue (CLI --queue). */
  queue?: QueueName;
  /** How many rows `list` shows and how many past jobs `find` lists. */
  listLimit?: number;
}

export async function execute(
  command: Command,
  deps: OperationDeps,
  actor: Actor,
  options: ExecuteOptions = {},
): Promise<Outcome> {
  const { manager } = deps;
  switch (command.kind) {
    case 'help':
      return { kind: 'help' };
    case 'status':
      return { kind: 'status', snapshot: await manager.status() };
    case 'add': {
      const origin = { source: actor.source, requestedBy: actor.id, ...(actor.slack ? { slack: actor.slack } : {}) };
      // Recorded first, then submitted here: if this process dies half way, the
      // controller's inbox consumer finishes the entry from the same plan.
      const entryId = await deps.inbox.write({
        kind: 'cli-add',
        requestedBy: actor.id,
        items: command.items,
        ...(options.queue ? { queue: options.queue } : {}),
      });
      const jobs = await submitJobs(deps, origin, command.items, {
        entryId: entryId ?? `cli:${Date.now()}`,
        ...(options.queue ? { queue: options.queue } : {}),
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
    case 'cancel':
      return { kind: 'cancelled', result: await manager.cancel(command.id, actor.id) };
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
      return { kind: 'inspect', job: await manager.inspect(command.id) };
    case 'find': {
      const result: FindResult = deps.memory
        ? await deps.memory.find(command.text, options.listLimit ?? FIND_LIMIT)
        : { on: false, reason: 'job memory is not set up in this process' };
      return { kind: 'find', query: command.text, result };
    }
  }
}
