// One grammar for everything a person can type: `/queue` subcommands, CLI
// arguments and plain channel messages. Pure and total: every input yields a
// command or a typed error whose message says what was wrong and the right form.
import {
  QUEUE_NAMES,
  cleanText,
  codePointLength,
  DEFAULT_PRIORITY,
  findBidiControl,
  hasVisibleText,
  MAX_JOB_TEXT,
  MAX_WORKERS,
  MIN_WORKERS,
  LIST_STATES,
  WORKSPACE_NAME,
  type JobMode,
  type JobPriority,
  type JobRequest,
  type ListState,
  type QueueName,
} from '@agentops/core';

import { parseScheduleLine, type ScheduleCommand } from './schedule-grammar.js';

import { parseHistoryArgs, type HistoryQuery } from './history-args.js';

export { LIST_STATES, type JobRequest, type ListState } from '@agentops/core';

/** Most jobs one `queue:` message may hold. */
export const MAX_BATCH_ITEMS = 50;

export type Command =
  | { kind: 'help' }
  | { kind: 'status' }
  | { kind: 'add'; items: JobRequest[]; batch: boolean }
  | { kind: 'workers'; count: number }
  | { kind: 'pause' }
  | { kind: 'resume' }
  | { kind: 'cancel'; id: string }
  | { kind: 'retry'; id: string }
  | { kind: 'promote'; id: string; priority: JobPriority }
  | { kind: 'list'; state?: ListState }
  | { kind: 'inspect'; id: string }
  | { kind: 'find'; text: string }
  | { kind: 'audit' }
  /** Today's and this month's Claude spend per person and queue, and the daily budgets. */
  | { kind: 'usage' }
  /** Past jobs from the job history: search words, @person, outcome, queue (history-args.ts). */
  | { kind: 'history'; query: HistoryQuery }
  /** Per queue and day (the last 7): jobs, success rate, p50 and p95 run time, cost. */
  | { kind: 'stats' }
  /** Prints the command that continues job `id`'s Claude session in a terminal. */
  | { kind: 'handoff'; id: string }
  /** The channel's default workspace: shown (no `set`), set to a CODE_WORKSPACES name, or cleared ('none'). */
  | { kind: 'repo'; set?: string | 'none' }
  /** Removes the worktrees of jobs that are over; branches with commits are kept. */
  | { kind: 'clean' }
  /** `schedule add|list|remove|pause|resume|run` (schedule-grammar.ts). */
  | ScheduleCommand
  /** Every failed job (of `queue`) again, after a confirmation with the count. */
  | { kind: 'retryFailed'; queue?: QueueName }
  /** Every waiting job (of `queue`) cancelled, after a confirmation with the count. */
  | { kind: 'cancelWaiting'; queue?: QueueName };

export type ParseErrorCode =
  | 'empty'
  | 'unknown_subcommand'
  | 'missing_id'
  | 'bad_id'
  | 'missing_worker_count'
  | 'bad_worker_count'
  | 'missing_priority'
  | 'bad_priority'
  | 'empty_text'
  | 'text_too_long'
  | 'bidi_control'
  | 'batch_empty'
  | 'batch_too_large'
  | 'bad_state'
  | 'bad_workspace'
  | 'bad_filter'
  | 'bad_schedule'
  | 'bad_queue'
  | 'unexpected_argument';

export interface ParseError {
  code: ParseErrorCode;
  /** What was wrong and what to type instead. */
  message: string;
  /** The right form, e.g. "/queue cancel <id>". */
  usage?: string;
}

export type ParseResult = { ok: true; command: Command } | { ok: false; error: ParseError };

/** Where the text came from decides how usage is written back. */
export type ParseContext = 'slash' | 'message' | 'cli';

export interface Subcommand {
  name: string;
  args: string;
  description: string;
}

/** The catalogue behind help text, in the order people need them. */
export const SUBCOMMANDS: readonly Subcommand[] = [
  { name: 'help', args: '', description: 'Show this help' },
  {
    name: 'status',
    args: '',
    description: 'Queue counts, paused state, concurrency and connected workers (no LLM calls)',
  },
  { name: 'add', args: '<text>', description: 'Queue a job at P3; the router picks code, local or research' },
  { name: 'addp1', args: '<text>', description: 'Queue a P1 job (most urgent)' },
  { name: 'addp2', args: '<text>', description: 'Queue a P2 job' },
  { name: 'addp3', args: '<text>', description: 'Queue a P3 job (same as add)' },
  {
    name: 'workers',
    args: `<${MIN_WORKERS}-${MAX_WORKERS}>`,
    description: 'Set how many jobs may run at once on each queue',
  },
  { name: 'pause', args: '', description: 'Pause all queues; running jobs finish, nothing new starts' },
  { name: 'resume', args: '', description: 'Resume all queues' },
  { name: 'cancel', args: '<id>', description: 'Cancel a job: removed if waiting, stopped if running' },
  {
    name: 'cancel waiting',
    args: '[queue]',
    description: 'Cancel every waiting job (of a queue), after a confirmation',
  },
  { name: 'retry', args: '<id>', description: 'Run a failed or cancelled job again' },
  {
    name: 'retry failed',
    args: '[queue]',
    description: 'Run every failed job (of a queue) again, after a confirmation',
  },
  { name: 'promote', args: '<id> p1|p2|p3', description: "Change a waiting job's priority" },
  { name: 'list', args: '[waiting|active|delayed|completed|failed]', description: 'List recent jobs' },
  { name: 'inspect', args: '<id>', description: 'Show one job: state, attempts, result or failure' },
  {
    name: 'find',
    args: '<text>',
    description: 'List the closest past jobs (job memory: Qdrant and an embedding model)',
  },
  {
    name: 'history',
    args: '[text] [@person] [completed|failed|cancelled] [queue]',
    description: 'Search past jobs (the job history, kept HISTORY_DAYS): words, "phrases", word*; newest first',
  },
  {
    name: 'stats',
    args: '',
    description: 'Per queue and day (last 7 days): jobs, success rate, p50 and p95 run time, cost',
  },
  { name: 'audit', args: '', description: 'Show the latest control actions and refusals (admins)' },
  {
    name: 'usage',
    args: '',
    description: "Today's and this month's Claude spend, tokens and jobs per person and queue, and the daily budgets",
  },
  {
    name: 'plan',
    args: '<text>',
    description: 'Let Claude plan a code job without changing anything; the plan comes with Run it and Cancel',
  },
  {
    name: 'handoff',
    args: '<id>',
    description: "Show the command that continues a code or research job's Claude session in a terminal",
  },
  {
    name: 'repo',
    args: '[<name>|none]',
    description: "Show or set the channel's default workspace for code jobs (CODE_WORKSPACES); none clears it",
  },
  {
    name: 'clean',
    args: '',
    description: 'Remove the worktrees of finished code jobs; branches with commits are kept and listed (admins)',
  },
  {
    name: 'schedule add',
    args: '"<cron>"|every <n><s|m|h|d> [code:|local:|research:] <text>',
    description: 'Run a job on a schedule, e.g. "0 9 * * 1-5" or every 30m; shows the next three runs',
  },
  { name: 'schedule list', args: '', description: 'List the schedules, their next run and who made them' },
  {
    name: 'schedule',
    args: 'remove|pause|resume|run <id>',
    description: 'Remove, pause, resume or run now one schedule (its maker or an admin)',
  },
];

const PRIORITY_COMMANDS: Record<string, JobPriority> = { addp1: 1, addp2: 2, addp3: 3 };

function prefixFor(context: ParseContext): string {
  return context === 'cli' ? 'agentops ' : '/queue ';
}

function usageOf(name: string, context: ParseContext): string {
  const sub = SUBCOMMANDS.find((entry) => entry.name === name);
  return `${prefixFor(context)}${name}${sub?.args ? ` ${sub.args}` : ''}`;
}

function fail(code: ParseErrorCode, message: string, usage?: string): ParseResult {
  return { ok: false, error: usage === undefined ? { code, message } : { code, message, usage } };
}

/** Reads "p1", "P2", "2", "p3:" as a priority. */
export function parsePriority(token: string | undefined): JobPriority | undefined {
  const match = /^p?([123])$/i.exec((token ?? '').replace(/:$/, ''));
  return match ? (Number(match[1]) as JobPriority) : undefined;
}

/** Reads "42", "#42" and "job-42" as job id "42". */
export function parseJobId(token: string | undefined): string | undefined {
  const match = /^(?:#|job-)?(\d{1,15})$/i.exec(token ?? '');
  if (!match?.[1]) return undefined;
  const id = match[1].replace(/^0+(?=\d)/, '');
  return id === '0' ? undefined : id;
}

/**
 * Refuses text holding a bidi embedding, override or isolate (U+202A-U+202E,
 * U+2066-U+2069): it makes text display in another order than it is stored,
 * so a receipt would show something else than what runs. Other invisible
 * format characters are simply removed by cleanText.
 */
function refuseBidi(raw: string, usage?: string): ParseResult | undefined {
  const bidi = findBidiControl(raw);
  if (!bidi) return undefined;
  return fail(
    'bidi_control',
    `The text has an invisible ${bidi.name} character (${bidi.codePoint}) at character ${bidi.position}. ` +
      'It makes text display in another order than it is written, so nothing was done. ' +
      'Delete it (retype the text, or paste it as plain text) and send it again.',
    usage,
  );
}

const PRIORITY_PREFIX = /^p([123])\s*:\s*/i;
/** `plan: <text>`: Claude plans the code job and waits for Run it. */
const PLAN_PREFIX = /^plan\s*:\s*/i;

/** Validates one job text and reads an optional `p1:` prefix. */
export function parseJobText(
  raw: string,
  fallbackPriority: JobPriority,
  context: ParseContext,
  usage?: string,
  options: { mode?: JobMode } = {},
): ParseResult {
  const bidi = refuseBidi(raw, usage ?? usageOf('add', context));
  if (bidi) return bidi;
  let text = cleanText(raw);
  let priority = fallbackPriority;
  let mode: JobMode | undefined = options.mode;
  // `p1: plan: …` and `plan: p1: …` both work.
  for (let round = 0; round < 2; round += 1) {
    const prefix = PRIORITY_PREFIX.exec(text);
    if (prefix?.[1]) {
      priority = Number(prefix[1]) as JobPriority;
      text = text.slice(prefix[0].length).trim();
    }
    const plan = PLAN_PREFIX.exec(text);
    if (plan) {
      mode = 'plan';
      text = text.slice(plan[0].length).trim();
    }
  }
  if (!hasVisibleText(text)) {
    return fail('empty_text', 'There is no job text. Say what the job should do.', usage ?? usageOf('add', context));
  }
  const length = codePointLength(text);
  if (length > MAX_JOB_TEXT) {
    return fail(
      'text_too_long',
      `The job text is ${length.toLocaleString('en-US')} characters; the limit is ${MAX_JOB_TEXT.toLocaleString('en-US')}. ` +
        'Shorten it, or put the details in a file in the repository and refer to it.',
      usage ?? usageOf('add', context),
    );
  }
  return { ok: true, command: { kind: 'add', items: [{ text, priority, ...(mode ? { mode } : {}) }], batch: false } };
}

const BULLET = /^(?:[-*•▪◦]\s+|\d{1,3}[.)]\s+)/;

/** `queue:` followed by one item per line (bullets and numbering are dropped). */
export function parseBatch(body: string, context: ParseContext): ParseResult {
  const usage =
    context === 'cli' ? 'agentops batch < items.txt (one job per line)' : 'queue:\\n<first job>\\n<second job>';
  const bidi = refuseBidi(body, usage);
  if (bidi) return bidi;
  const lines = cleanText(body)
    .split('\n')
    .map((line) => line.trim().replace(BULLET, '').trim())
    .filter(hasVisibleText);
  if (lines.length === 0) {
    return fail('batch_empty', 'The batch has no items. Put one job per line after `queue:`.', usage);
  }
  if (lines.length > MAX_BATCH_ITEMS) {
    return fail(
      'batch_too_large',
      `The batch has ${lines.length} items; at most ${MAX_BATCH_ITEMS} fit in one message. Split it into several messages.`,
      usage,
    );
  }
  const items: JobRequest[] = [];
  for (const [index, line] of lines.entries()) {
    const parsed = parseJobText(line, DEFAULT_PRIORITY, context, usage);
    if (!parsed.ok) {
      return fail(parsed.error.code, `Item ${index + 1}: ${parsed.error.message}`, usage);
    }
    if (parsed.command.kind === 'add') items.push(...parsed.command.items);
  }
  return { ok: true, command: { kind: 'add', items, batch: true } };
}

function splitFirst(text: string): [string, string] {
  const match = /^(\S+)\s*([\s\S]*)$/.exec(text);
  return match ? [match[1] ?? '', match[2] ?? ''] : ['', ''];
}

/** `retry failed [queue]` and `cancel waiting [queue]`: every such job, after a confirmation. */
function parseBulk(name: 'cancel' | 'retry', rest: string, context: ParseContext): ParseResult {
  const which = name === 'retry' ? 'failed' : 'waiting';
  const usage = usageOf(`${name} ${which}`, context);
  const [token, extra] = splitFirst(rest.trim());
  if (extra.trim())
    return fail(
      'unexpected_argument',
      `\`${name} ${which}\` takes at most a queue name; remove \`${extra.trim()}\`.`,
      usage,
    );
  const queue = token ? QUEUE_NAMES.find((candidate) => candidate === token.toLowerCase()) : undefined;
  if (token && !queue)
    return fail('bad_queue', `\`${token.slice(0, 40)}\` is not a queue. Use one of: ${QUEUE_NAMES.join(', ')}.`, usage);
  const kind = name === 'retry' ? 'retryFailed' : 'cancelWaiting';
  return { ok: true, command: { kind, ...(queue ? { queue } : {}) } };
}

function parseIdArgument(name: 'cancel' | 'retry' | 'inspect', rest: string, context: ParseContext): ParseResult {
  const usage = usageOf(name, context);
  const [token, extra] = splitFirst(rest.trim());
  if (name === 'retry' && token.toLowerCase() === 'failed') return parseBulk(name, extra, context);
  if (name === 'cancel' && token.toLowerCase() === 'waiting') return parseBulk(name, extra, context);
  if (!token) return fail('missing_id', `\`${name}\` needs a job id, as shown on the job's receipt.`, usage);
  const id = parseJobId(token);
  if (!id) return fail('bad_id', `\`${token}\` is not a job id. Job ids are numbers such as 42.`, usage);
  if (extra.trim())
    return fail('unexpected_argument', `\`${name}\` takes only a job id; remove \`${extra.trim()}\`.`, usage);
  return { ok: true, command: { kind: name, id } };
}

/** `repo` alone shows the channel's workspace; `repo <name>` sets it (checked against CODE_WORKSPACES later); `repo none` clears it. */
function parseRepo(rest: string, context: ParseContext): ParseResult {
  const usage = usageOf('repo', context);
  const [token, extra] = splitFirst(rest.trim());
  if (!token) return { ok: true, command: { kind: 'repo' } };
  if (extra.trim())
    return fail('unexpected_argument', `\`repo\` takes one workspace name; remove \`${extra.trim()}\`.`, usage);
  const name = token.replace(/^repo=/i, '');
  if (name.toLowerCase() === 'none') return { ok: true, command: { kind: 'repo', set: 'none' } };
  if (!WORKSPACE_NAME.test(name)) {
    const shown = name.length > 40 ? `${name.slice(0, 40)}…` : name;
    return fail(
      'bad_workspace',
      `\`${shown}\` is not a workspace name. Names are letters, digits, . _ and -, up to 40, as in CODE_WORKSPACES; \`none\` clears the channel's workspace.`,
      usage,
    );
  }
  return { ok: true, command: { kind: 'repo', set: name } };
}

/** `schedule add|list|remove|pause|resume|run …` (schedule-grammar.ts reads the parts). */
function parseSchedule(rest: string, context: ParseContext): ParseResult {
  const usage = (sub: string) => usageOf(sub, context);
  const parsed = parseScheduleLine<ParseResult>(rest, {
    fail: (message, sub) => fail('bad_schedule', message, usage(sub)),
    jobText: (text, sub) => {
      const job = parseJobText(text, DEFAULT_PRIORITY, context, usage(sub));
      const request = job.ok && job.command.kind === 'add' ? job.command.items[0] : undefined;
      return request ? { request } : { failure: job };
    },
    queuePrefix: QUEUE_PREFIX,
  });
  return 'command' in parsed ? { ok: true, command: parsed.command } : parsed.failure;
}

/**
 * Parses a `/queue` subcommand line (also the CLI's arguments joined by spaces).
 * `text` is what follows `/queue`.
 */
export function parseSubcommand(text: string, context: ParseContext = 'slash'): ParseResult {
  const bidi = refuseBidi(text);
  if (bidi) return bidi;
  const cleaned = cleanText(text);
  if (!hasVisibleText(cleaned)) {
    return fail(
      'empty',
      `Tell me what to do, e.g. \`${prefixFor(context)}add <text>\` or \`${prefixFor(context)}help\`.`,
      usageOf('help', context),
    );
  }
  const [word, rest] = splitFirst(cleaned);
  const name = word.toLowerCase();
  switch (name) {
    case 'resume':
    case 'handoff': {
      // `resume` alone resumes the queues; `resume <id>` (like `handoff <id>`) hands a session over.
      if (name === 'resume' && !rest.trim()) return { ok: true, command: { kind: 'resume' } };
      const usage = usageOf('handoff', context);
      const [token, extra] = splitFirst(rest.trim());
      if (!token) return fail('missing_id', "`handoff` needs a job id, as shown on the job's card.", usage);
      const id = parseJobId(token);
      if (!id)
        return fail(
          'bad_id',
          `\`${token}\` is not a job id. Job ids are numbers such as 42${name === 'resume' ? '; `resume` alone resumes the queues' : ''}.`,
          usage,
        );
      if (extra.trim())
        return fail('unexpected_argument', `\`${name}\` takes only a job id; remove \`${extra.trim()}\`.`, usage);
      return { ok: true, command: { kind: 'handoff', id } };
    }
    case 'plan':
      return parseJobText(rest, DEFAULT_PRIORITY, context, usageOf('plan', context), { mode: 'plan' });
    case 'repo':
      return parseRepo(rest, context);
    case 'schedule':
      return parseSchedule(rest, context);
    case 'clean':
      if (rest.trim())
        return fail(
          'unexpected_argument',
          `\`clean\` takes no arguments; remove \`${rest.trim()}\`.`,
          usageOf(name, context),
        );
      return { ok: true, command: { kind: 'clean' } };
    case 'help':
    case 'status':
    case 'pause':
    case 'audit':
    case 'usage':
    case 'stats': {
      if (rest.trim())
        return fail(
          'unexpected_argument',
          `\`${name}\` takes no arguments; remove \`${rest.trim()}\`.`,
          usageOf(name, context),
        );
      return { ok: true, command: { kind: name } };
    }
    case 'add':
    case 'addp1':
    case 'addp2':
    case 'addp3': {
      let priority = PRIORITY_COMMANDS[name] ?? DEFAULT_PRIORITY;
      let body = rest;
      // `add p1 <text>` reads like addp1; `add p1: <text>` is handled by parseJobText.
      const [first, after] = splitFirst(rest);
      const explicit = /^p[123]$/i.test(first) ? parsePriority(first) : undefined;
      if (name === 'add' && explicit) {
        priority = explicit;
        body = after;
      }
      return parseJobText(body, priority, context, usageOf(name, context));
    }
    case 'workers': {
      const usage = usageOf('workers', context);
      const [token, extra] = splitFirst(rest.trim());
      if (!token)
        return fail('missing_worker_count', `\`workers\` needs a number from ${MIN_WORKERS} to ${MAX_WORKERS}.`, usage);
      const count = /^\d{1,3}$/.test(token) ? Number(token) : Number.NaN;
      if (!Number.isInteger(count) || count < MIN_WORKERS || count > MAX_WORKERS) {
        return fail(
          'bad_worker_count',
          `\`${token}\` is not a worker count. Use a whole number from ${MIN_WORKERS} to ${MAX_WORKERS}.`,
          usage,
        );
      }
      if (extra.trim())
        return fail('unexpected_argument', `\`workers\` takes one number; remove \`${extra.trim()}\`.`, usage);
      return { ok: true, command: { kind: 'workers', count } };
    }
    case 'cancel':
    case 'retry':
    case 'inspect':
      return parseIdArgument(name, rest, context);
    case 'promote': {
      const usage = usageOf('promote', context);
      const [idToken, afterId] = splitFirst(rest.trim());
      const [priorityToken, extra] = splitFirst(afterId.trim());
      if (!idToken) return fail('missing_id', '`promote` needs a job id and a priority.', usage);
      const id = parseJobId(idToken);
      if (!id) return fail('bad_id', `\`${idToken}\` is not a job id. Job ids are numbers such as 42.`, usage);
      if (!priorityToken) return fail('missing_priority', '`promote` needs the new priority: p1, p2 or p3.', usage);
      const priority = parsePriority(priorityToken);
      if (!priority)
        return fail('bad_priority', `\`${priorityToken}\` is not a priority. Use p1 (most urgent), p2 or p3.`, usage);
      if (extra.trim())
        return fail(
          'unexpected_argument',
          `\`promote\` takes an id and a priority; remove \`${extra.trim()}\`.`,
          usage,
        );
      return { ok: true, command: { kind: 'promote', id, priority } };
    }
    case 'list': {
      const usage = usageOf('list', context);
      const [token, extra] = splitFirst(rest.trim());
      if (!token) return { ok: true, command: { kind: 'list' } };
      const state = LIST_STATES.find((candidate) => candidate === token.toLowerCase());
      if (!state)
        return fail('bad_state', `\`${token}\` is not a job state. Use one of: ${LIST_STATES.join(', ')}.`, usage);
      if (extra.trim())
        return fail('unexpected_argument', `\`list\` takes at most one state; remove \`${extra.trim()}\`.`, usage);
      return { ok: true, command: { kind: 'list', state } };
    }
    case 'history': {
      const parsed = parseHistoryArgs(rest);
      if (!parsed.ok) return fail('bad_filter', parsed.message, usageOf('history', context));
      return { ok: true, command: { kind: 'history', query: parsed.query } };
    }
    case 'find': {
      const usage = usageOf('find', context);
      const query = cleanText(rest);
      if (!hasVisibleText(query)) return fail('empty_text', '`find` needs some text to compare with past jobs.', usage);
      const length = codePointLength(query);
      if (length > MAX_JOB_TEXT) {
        return fail(
          'text_too_long',
          `The search text is ${length.toLocaleString('en-US')} characters; the limit is ${MAX_JOB_TEXT.toLocaleString('en-US')}.`,
          usage,
        );
      }
      return { ok: true, command: { kind: 'find', text: query } };
    }
    default: {
      const shown = word.length > 40 ? `${word.slice(0, 40)}…` : word;
      return fail(
        'unknown_subcommand',
        `\`${shown}\` is not a command. ${context === 'slash' ? 'To queue text as a job use `/queue add <text>`. ' : ''}` +
          `See \`${prefixFor(context)}help\` for the list.`,
        usageOf('help', context),
      );
    }
  }
}

const STATUS_MESSAGE = /^(?:queue\s+)?status[.!?]*$/i;
const HELP_MESSAGE = /^(?:queue\s+)?help[.!?]*$/i;
const BATCH_PREFIX = /^queue\s*:/i;

/** A reply in a job's thread that is not a control word: the next job of the thread. */
export interface FollowUp {
  request: JobRequest;
  /** `code:`, `local:` or `research:` chose the queue; otherwise the thread's. */
  queue?: QueueName;
}

const QUEUE_PREFIX = /^(code|local|research)\s*:\s*/i;

/** Parses a follow-up: an optional `code:` / `local:` / `research:`, then text as in the channel (`p1:`, `plan:`). */
export function parseFollowUp(text: string): { ok: true; followUp: FollowUp } | { ok: false; error: ParseError } {
  const cleaned = cleanText(text).trim();
  const prefix = QUEUE_PREFIX.exec(cleaned);
  const queue = prefix?.[1]?.toLowerCase() as QueueName | undefined;
  const parsed = parseJobText(
    prefix ? cleaned.slice(prefix[0].length) : text,
    DEFAULT_PRIORITY,
    'message',
    'a reply such as `also add a test`, or `code: <text>` to hand the thread to a code job',
  );
  if (!parsed.ok) return parsed;
  const request = parsed.command.kind === 'add' ? parsed.command.items[0] : undefined;
  if (!request) return fail('empty_text', 'There is no text to follow up with.') as { ok: false; error: ParseError };
  const chosen = request.mode === 'plan' ? 'code' : queue;
  return { ok: true, followUp: { request, ...(chosen ? { queue: chosen } : {}) } };
}

/** Parses a plain channel message: any text is a job, with a few forms of its own. */
export function parseMessage(text: string): ParseResult {
  const bidi = refuseBidi(text);
  if (bidi) return bidi;
  const cleaned = cleanText(text);
  if (!hasVisibleText(cleaned)) return fail('empty', 'The message has no text to queue.');
  if (STATUS_MESSAGE.test(cleaned)) return { ok: true, command: { kind: 'status' } };
  if (HELP_MESSAGE.test(cleaned)) return { ok: true, command: { kind: 'help' } };
  const batch = BATCH_PREFIX.exec(cleaned);
  if (batch) return parseBatch(cleaned.slice(batch[0].length), 'message');
  return parseJobText(cleaned, DEFAULT_PRIORITY, 'message', 'p1: <text>, or just <text>');
}
