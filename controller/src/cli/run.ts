// The agentops command line: the same parser and queue manager the Slack app
// uses, for people without Slack and for scripts (--json).
// Exit codes: 0 success, 1 operation refused or unavailable, 2 usage error.
import os from 'node:os';
import {
  connectRedis,
  createLogger,
  describeMode,
  loadConfig,
  priorityLabel,
  toCodedError,
  type Config,
  type QueueName,
  type Redis,
} from '@agentops/core';
import { buildJobMemory, type JobMemory } from '../memory/index.js';
import { formatFindForCli, memoryOffText } from '../memory/format.js';
import { createAccessGuard } from '../access/guard.js';
import { createRoles } from '../access/roles.js';
import { createAuditLog } from '../audit/log.js';
import { createInbox } from '../intake/inbox.js';
import { createPlans } from '../intake/plans.js';
import { noHandoff } from '../conversations/handoff.js';
import { formatUsage } from '../commands/usage.js';
import { QueueManager } from '../queue/manager.js';
import { execute, type Outcome } from '../commands/execute.js';
import { createConfiguredRouter } from '../router/index.js';
import { parseBatch, parseSubcommand, type Command, type ParseResult } from '../commands/grammar.js';
import {
  bulkQuestionText,
  bulkResultText,
  confirmBulk,
  createBulkConfirmations,
  type BulkConfirmations,
  type BulkQuestion,
  type BulkResult,
} from '../commands/bulk.js';
import { createScheduleQueue } from '../queue/schedules.js';
import { scheduleAddedText, scheduleChangedText, scheduleListText } from '../schedules/format.js';
import { createSchedules } from '../schedules/service.js';
import { createScheduleStore } from '../schedules/store.js';
import { helpLines } from '../commands/help-text.js';
import { formatHistory, formatPastDetails, formatStats } from '../commands/history-tables.js';
import { openHistoryReader, type HistoryQueries } from '../history/index.js';
import { readCliArgs } from './args.js';
import { CLEAN_WAIT_MS, cleanAnswer, createWorkspaces, repoAnswer } from '../workspaces/index.js';
import {
  describeRouting,
  formatAudit,
  formatDetails,
  formatList,
  formatQueued,
  formatStatus,
} from '../commands/tables.js';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  readStdin: () => Promise<string>;
  /** Asks a yes/no question on the terminal; absent without one (then only --yes confirms). */
  confirm?: (question: string) => Promise<boolean>;
}

export const EXIT = { ok: 0, refused: 1, usage: 2 } as const;

export function cliHelp(): string {
  return [
    'agentops: manage AgentOps job queues from the command line.',
    '',
    'Usage: agentops [--json] <command> [arguments]',
    '',
    ...helpLines('cli'),
    'agentops batch                              Queue one job per line read from standard input',
    '',
    'Options:',
    '  --json           Print machine-readable JSON',
    '  --queue <name>   With add/batch: skip routing and use code, local or research',
    '  --repo <name>    With add/batch: run the jobs in that CODE_WORKSPACES workspace (as repo=<name> in the text)',
    '  --limit <n>      With list: how many jobs to show (default 20); with find: how many past jobs (default 5)',
    '  --queue <name>   With schedule add: every run on that queue; with retry failed / cancel waiting: only that queue',
    '  --yes, -y        With retry failed / cancel waiting: confirm without asking (needed without a terminal)',
    '  --               Everything after it is job text',
    '',
    'Exit codes: 0 success, 1 refused or unavailable, 2 usage error.',
  ].join('\n');
}

function present(outcome: Outcome): string {
  switch (outcome.kind) {
    case 'help':
      return cliHelp();
    case 'status': {
      const workspaces = outcome.workspaces;
      if (!workspaces) return formatStatus(outcome.snapshot);
      return `${formatStatus(outcome.snapshot)}\nChannel workspace: ${workspaces.workspace ?? 'none'} (configured: ${workspaces.names.join(', ')})`;
    }
    case 'repo':
      return repoAnswer(outcome);
    case 'clean':
      return cleanAnswer(outcome.result, CLEAN_WAIT_MS);
    case 'queued':
      return formatQueued(outcome.jobs);
    case 'paused':
      return `Paused all queues: running jobs finish, nothing new starts.\n${formatStatus(outcome.snapshot)}`;
    case 'resumed':
      return `Resumed all queues.\n${formatStatus(outcome.snapshot)}`;
    case 'workers':
      return `Each queue now runs at most ${outcome.count} job(s) at once.\n${formatStatus(outcome.snapshot)}`;
    case 'cancelled':
      return outcome.result.outcome === 'removed'
        ? `Cancelled job #${outcome.result.job.id}: removed from ${outcome.result.job.queue} before it started.`
        : `Cancelling job #${outcome.result.job.id}: it is running on ${outcome.result.job.queue}; its worker is stopping it.`;
    case 'retried':
      return `Job #${outcome.job.id} is queued again on ${outcome.job.queue} (${priorityLabel(outcome.job.priority)}).`;
    case 'promoted':
      return `Job #${outcome.job.id}: ${priorityLabel(outcome.from)} -> ${priorityLabel(outcome.job.priority)} on ${outcome.job.queue}.`;
    case 'list':
      return formatList(outcome.jobs);
    case 'inspect':
      return formatDetails(outcome.job);
    case 'audit':
      return formatAudit(outcome.records);
    case 'usage':
      return formatUsage(outcome.report);
    case 'find':
      return outcome.result.on
        ? formatFindForCli(outcome.query, outcome.result.matches)
        : memoryOffText(outcome.result.reason).replace(/^:zzz: /, '');
    case 'handoff':
      return outcome.command ?? noHandoff(outcome.id);
    case 'history':
      return formatHistory(outcome.query, outcome.page);
    case 'stats':
      return formatStats(outcome.days, outcome.stats);
    case 'past':
      return formatPastDetails(outcome.job);
    case 'scheduleAdded':
      return scheduleAddedText(outcome.schedule, outcome.nextRuns);
    case 'scheduleList':
      return scheduleListText(outcome.schedules);
    case 'scheduleChanged':
      return scheduleChangedText(outcome.action, outcome.schedule);
    case 'bulkQuestion':
      return bulkQuestionText(outcome.question);
  }
}

/** --queue names the queue of a schedule's runs or of a bulk action, as the grammar's own word would. */
function withQueueFlag(command: Command, queue: QueueName | undefined): Command {
  if (!queue) return command;
  if (command.kind === 'scheduleAdd' || command.kind === 'retryFailed' || command.kind === 'cancelWaiting')
    return { ...command, queue };
  return command;
}

/**
 * A bulk action's confirmation at the terminal: --yes, or y to the question;
 * without a terminal and without --yes nothing is done.
 */
async function confirmAtCli(
  question: BulkQuestion,
  yes: boolean,
  io: CliIo,
  one: (id: string) => Promise<unknown>,
  confirmations: BulkConfirmations,
  user: string,
): Promise<{ code: number; result?: BulkResult }> {
  if (question.ids.length === 0) return { code: EXIT.ok };
  if (!yes) {
    if (!io.confirm) {
      io.stderr(
        `${bulkQuestionText(question)}\nNothing was changed: there is no terminal to ask on. Add --yes to confirm (agentops ${question.action === 'retry' ? 'retry failed' : 'cancel waiting'} --yes).`,
      );
      return { code: EXIT.usage };
    }
    if (!(await io.confirm(`${bulkQuestionText(question)} [y/N] `))) {
      io.stderr('Nothing was changed.');
      return { code: EXIT.ok };
    }
  }
  const request = await confirmations.take(question.token, user);
  return { code: EXIT.ok, result: await confirmBulk(request, one) };
}

/** The commands that read the job history, and whether they do without it (`inspect` only falls back to it). */
const HISTORY_READERS: Readonly<Record<string, 'needed' | 'optional'>> = {
  history: 'needed',
  stats: 'needed',
  inspect: 'optional',
};

/** The controller's history, read-only; a history that cannot be opened fails only the commands that need it. */
function openCliHistory(kind: string, config: Config) {
  const use = HISTORY_READERS[kind];
  if (!use) return undefined;
  try {
    return openHistoryReader(config);
  } catch (error) {
    if (use === 'needed') throw error;
    return undefined;
  }
}

function toJson(outcome: Outcome): unknown {
  return outcome.kind === 'queued' ? { ...outcome, routed: outcome.jobs.map(describeRouting) } : outcome;
}

export async function runCli(
  argv: readonly string[],
  env: Record<string, string | undefined>,
  io: CliIo,
): Promise<number> {
  const args = readCliArgs(argv);
  if (!args.ok) {
    io.stderr(`${args.message}\nRun agentops help for usage.`);
    return EXIT.usage;
  }
  const { flags, subcommand } = args;
  if (flags.help || subcommand === 'help') {
    io.stdout(flags.json ? JSON.stringify({ kind: 'help', text: cliHelp() }) : cliHelp());
    return EXIT.ok;
  }
  if (!subcommand) {
    io.stderr(cliHelp());
    return EXIT.usage;
  }

  let parsed: ParseResult;
  if (subcommand === 'batch') {
    if (args.line.trim() !== 'batch') {
      io.stderr(
        'batch reads its items from standard input, one job per line; it takes no arguments.\nUsage: agentops batch < items.txt',
      );
      return EXIT.usage;
    }
    parsed = parseBatch(await io.readStdin(), 'cli');
  } else {
    parsed = parseSubcommand(args.line, 'cli');
  }
  if (!parsed.ok) {
    const { error } = parsed;
    io.stderr(
      flags.json ? JSON.stringify({ error }) : `${error.message}${error.usage ? `\nUsage: ${error.usage}` : ''}`,
    );
    return EXIT.usage;
  }

  let config: Config;
  try {
    config = loadConfig(env, { defaultLogLevel: 'warn' });
  } catch (error) {
    io.stderr(toCodedError(error).message);
    return EXIT.usage;
  }
  const logger = createLogger({
    name: 'agentops-cli',
    level: config.logLevel,
    format: config.logFormat,
    secrets: config.secrets,
    fd: 2,
  });
  logger.debug(describeMode(config));

  let redis: Redis;
  try {
    redis = await connectRedis(config, 'producer', { failFast: true });
  } catch (error) {
    io.stderr(toCodedError(error).message);
    return EXIT.refused;
  }
  const manager = new QueueManager({ connection: redis, prefix: config.redis.prefix });
  const scheduleQueue = createScheduleQueue(redis, config.redis.prefix, () => undefined);
  const route = createConfiguredRouter(config, { logger });
  // `find` talks to Qdrant and LM Studio directly: one attempt, no background checks.
  let memory: JobMemory | undefined;
  if (parsed.command.kind === 'find') {
    memory = buildJobMemory(config, logger, { retryMs: 0, quiet: true });
    await memory.start();
  }
  let history: { reader: HistoryQueries; close(): Promise<void> } | undefined;
  try {
    history = openCliHistory(parsed.command.kind, config);
    const actor = { id: `cli:${os.userInfo().username}`, source: 'cli' as const };
    const audit = createAuditLog(redis, config.redis.prefix, config.access.auditDays, logger);
    const deps = {
      manager,
      route,
      audit,
      config,
      // The CLI is the workstation's owner: it may do everything, and what it does is audited.
      guard: createAccessGuard(createRoles(config.access, undefined, logger), audit, logger, {
        cliJobsVisible: config.access.cliJobsVisible,
      }),
      inbox: createInbox(redis, config.redis.prefix, logger, () => redis.duplicate()),
      plans: createPlans(redis, config.redis.prefix),
      ...(memory ? { memory } : {}),
      ...(history ? { history: history.reader } : {}),
      workspaces: createWorkspaces(config, redis),
      schedules: createSchedules({
        store: createScheduleStore(redis, config.redis.prefix),
        queue: scheduleQueue,
        timeZone: config.schedules.timeZone,
        minIntervalMs: config.schedules.minIntervalMs,
      }),
      bulk: createBulkConfirmations(redis, config.redis.prefix),
    };
    const command = withQueueFlag(parsed.command, flags.queue);
    const outcome = await execute(command, deps, actor, {
      ...(flags.queue ? { queue: flags.queue } : {}),
      ...(flags.repo ? { workspace: flags.repo } : {}),
      // The channel the app serves: `repo` shows and sets its workspace.
      ...(config.slack ? { channel: config.slack.channelId } : {}),
      ...(flags.limit ? { listLimit: flags.limit } : {}),
    });
    if (outcome.kind === 'bulkQuestion') {
      const { question } = outcome;
      const one = (id: string) => execute({ kind: question.action, id }, deps, actor);
      const done = await confirmAtCli(question, flags.yes === true, io, one, deps.bulk, actor.id);
      if (done.result)
        io.stdout(
          flags.json ? JSON.stringify({ kind: 'bulkDone', ...done.result }, null, 2) : bulkResultText(done.result),
        );
      else if (done.code === EXIT.ok)
        io.stdout(
          flags.json
            ? JSON.stringify({ kind: 'bulkQuestion', ...question, token: undefined })
            : bulkQuestionText(question),
        );
      return done.code;
    }
    const text = flags.json ? JSON.stringify(toJson(outcome), null, 2) : present(outcome);
    // Memory being off is "unavailable", like Redis being down: exit 1, on stderr.
    if (outcome.kind === 'find' && !outcome.result.on) {
      io.stderr(text);
      return EXIT.refused;
    }
    io.stdout(text);
    return EXIT.ok;
  } catch (error) {
    const coded = toCodedError(error);
    io.stderr(flags.json ? JSON.stringify({ error: coded.toJSON() }) : coded.message);
    return EXIT.refused;
  } finally {
    memory?.close();
    await history?.close().catch(() => undefined);
    await scheduleQueue.close().catch(() => undefined);
    await manager.close().catch(() => undefined);
    redis.disconnect();
  }
}
