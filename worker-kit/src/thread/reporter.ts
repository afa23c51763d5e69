// The one module of a worker process that talks to Slack's Web API: it shows a
// job's life in the thread of its receipt. One progress message per job,
// edited in place (throttled) from "working" to the outcome; the answer, the
// final failure (with a Retry button) or the cancellation as their own posts.
//
// Best effort throughout: a Slack failure is logged and never fails the job.
// @slack/web-api's default retry policy waits out 429 Retry-After and
// retries other failures, so a short Slack hiccup delays a reply, not loses it.
// Jobs without `data.slack` (queued from the CLI) get no posts at all.
import { WebClient } from '@slack/web-api';
import {
  ErrorCode,
  SlackLogLevel,
  slackSdkLogger,
  type JobData,
  type Logger,
  type ProgressUpdate,
  type SlackMessage,
} from '@agentops/core';
import type { JobReporter } from '../runtime/runtime.js';
import { answerMessages, planAnswer, ANSWER_FILE_THRESHOLD } from './answer-messages.js';
import {
  cancelledMessage,
  cancelledStatusMessage,
  failedStatusMessage,
  failureMessage,
  interruptedStatusMessage,
  outcomeMessage,
  progressMessage,
  retryingMessage,
} from './status-messages.js';
import { createLatestThrottle, type LatestThrottle } from './throttle.js';

export interface SlackReporterOptions {
  /** Bot token (xoxb-...). Only ever handed to WebClient; never logged. */
  token: string;
  /** config.slackApiUrl: Slack, a proxy or the test simulator. */
  apiUrl: string;
  logger: Logger;
  /** e.g. "local-worker"; shown under progress messages and in log lines. */
  workerName: string;
  /**
   * Least time between two edits of one job's progress message. chat.update is
   * Tier 3 (about 50 a minute); 3 s keeps a handful of busy jobs inside it.
   */
  progressIntervalMs?: number;
  /** Answers longer than this many characters are uploaded as a Markdown file. */
  fileThreshold?: number;
}

export const PROGRESS_INTERVAL_MS = 3_000;
/** Longest one Slack HTTP request may take: without a limit, a hung connection would hold a job's reply forever. */
const REQUEST_TIMEOUT_MS = 30_000;
/** Jobs whose threads are remembered at once; the oldest are forgotten beyond it. */
const MAX_TRACKED_JOBS = 1_000;
/** How long close() spends telling threads that their job went back to the queue. */
const CLOSE_DEADLINE_MS = 3_000;

interface Thread {
  channel: string;
  /** Replies go under the receipt; without one, under the asking message; else in the channel. */
  threadTs: string | undefined;
  progressTs?: string;
  /** What the progress message shows now: running, or waiting for a retry. */
  state: 'working' | 'retrying';
  /** Latest step and turns, merged, since updates may carry only one of them. */
  latest: ProgressUpdate;
  throttle?: LatestThrottle<{ elapsedMs: number; at: number }>;
}

/** A Slack failure in words, without anything secret: the API's error code or the transport's message. */
function describeSlackError(error: unknown): string {
  const data = (error as { data?: { error?: unknown } } | undefined)?.data;
  if (typeof data?.error === 'string') return data.error;
  return error instanceof Error ? error.message : String(error);
}

export function createSlackReporter(options: SlackReporterOptions): JobReporter {
  const { workerName, logger } = options;
  const intervalMs = options.progressIntervalMs ?? PROGRESS_INTERVAL_MS;
  const fileThreshold = options.fileThreshold ?? ANSWER_FILE_THRESHOLD;
  const client = new WebClient(options.token, {
    slackApiUrl: options.apiUrl,
    logger: slackSdkLogger(logger, { component: 'slack-web-api', level: SlackLogLevel.WARN }),
    timeout: REQUEST_TIMEOUT_MS,
  });
  const threads = new Map<string, Thread>();

  /** Runs one Slack call; logs and swallows its failure. */
  async function call<T>(what: string, jobId: string, run: () => Promise<T>): Promise<T | undefined> {
    try {
      return await run();
    } catch (error) {
      const reason = describeSlackError(error);
      logger.warn(
        { jobId, slackMethod: what, slackError: reason },
        `[${workerName}] Slack ${what} failed for job ${jobId}: ${reason}`,
      );
      return undefined;
    }
  }

  const post = async (jobId: string, thread: Thread, message: SlackMessage): Promise<string | undefined> => {
    const response = await call('chat.postMessage', jobId, () =>
      client.chat.postMessage({
        channel: thread.channel,
        ...(thread.threadTs ? { thread_ts: thread.threadTs } : {}),
        text: message.text,
        blocks: message.blocks,
        // Answers often cite links; a preview card for each would bury the text.
        unfurl_links: false,
        unfurl_media: false,
      }),
    );
    return response?.ts;
  };

  const update = async (jobId: string, thread: Thread, message: SlackMessage): Promise<void> => {
    const ts = thread.progressTs;
    if (!ts) return;
    await call('chat.update', jobId, () =>
      client.chat.update({ channel: thread.channel, ts, text: message.text, blocks: message.blocks }),
    );
  };

  /** Edits the progress message, or posts one if this process has none for the job (a retry that moved here). */
  const showStatus = async (jobId: string, thread: Thread, message: SlackMessage): Promise<void> => {
    if (thread.progressTs) await update(jobId, thread, message);
    else thread.progressTs = await post(jobId, thread, message);
  };

  const threadFor = (data: JobData): Thread | undefined => {
    if (!data.slack) return undefined;
    const known = threads.get(data.id);
    if (known) return known;
    if (threads.size >= MAX_TRACKED_JOBS) {
      const [oldestId, oldest] = threads.entries().next().value ?? [];
      if (oldestId !== undefined) threads.delete(oldestId);
      void oldest?.throttle?.stop();
    }
    const thread: Thread = {
      channel: data.slack.channel,
      threadTs: data.slack.receiptTs ?? data.slack.messageTs,
      state: 'working',
      latest: {},
    };
    threads.set(data.id, thread);
    return thread;
  };

  const forget = async (data: JobData, thread: Thread): Promise<void> => {
    await thread.throttle?.stop();
    threads.delete(data.id);
  };

  const deliverAnswer = async (data: JobData, thread: Thread, markdown: string): Promise<void> => {
    const plan = planAnswer(data.id, markdown, fileThreshold);
    if (plan.kind === 'file') {
      await post(data.id, thread, plan.summary);
      const { filename, title, content } = plan.file;
      const uploaded = await call('files.uploadV2', data.id, () =>
        thread.threadTs
          ? client.filesUploadV2({ channel_id: thread.channel, thread_ts: thread.threadTs, filename, title, content })
          : client.filesUploadV2({ channel_id: thread.channel, filename, title, content }),
      );
      if (uploaded) return;
      // No upload (e.g. the app lacks files:write): the answer still arrives whole, as messages.
      logger.warn(
        { jobId: data.id },
        `[${workerName}] Posting the answer to job ${data.id} as messages instead of a file`,
      );
      for (const message of answerMessages(data.id, markdown)) await post(data.id, thread, message);
      return;
    }
    for (const message of plan.messages) await post(data.id, thread, message);
  };

  return {
    async started(data, attempt) {
      const thread = threadFor(data);
      if (!thread) return;
      await thread.throttle?.stop();
      thread.state = 'working';
      thread.latest = {};
      await showStatus(data.id, thread, progressMessage({ workerName, attempt }));
      const throttle = createLatestThrottle<{ elapsedMs: number; at: number }>({
        intervalMs,
        // Elapsed time as of sending, not as of the (possibly dropped-and-replaced) update.
        send: ({ elapsedMs, at }) =>
          update(
            data.id,
            thread,
            progressMessage({ workerName, attempt, ...thread.latest, elapsedMs: elapsedMs + Date.now() - at }),
          ),
      });
      throttle.markSent();
      thread.throttle = throttle;
    },

    async progress(data, progress) {
      const thread = threads.get(data.id);
      if (!thread?.progressTs || thread.state !== 'working') return;
      if (progress.step !== undefined) thread.latest.step = progress.step;
      if (progress.turns !== undefined) thread.latest.turns = progress.turns;
      thread.throttle?.push({ elapsedMs: progress.elapsedMs, at: Date.now() });
    },

    async completed(data, result, elapsedMs) {
      const thread = threadFor(data);
      if (!thread) return;
      // A progress edit still on its way must not land after (and over) the outcome.
      await thread.throttle?.stop();
      await update(
        data.id,
        thread,
        outcomeMessage({ workerName, elapsedMs, ...(result.stats ? { stats: result.stats } : {}) }),
      );
      await deliverAnswer(data, thread, result.text);
      await forget(data, thread);
    },

    async failed(data, error, final, attempt) {
      const thread = threadFor(data);
      if (!thread) return;
      await thread.throttle?.stop();
      const by = error.details.by;
      if (error.code === ErrorCode.Cancelled && typeof by === 'string') {
        const view = { jobId: data.id, workerName, by };
        await showStatus(data.id, thread, cancelledStatusMessage(view));
        await post(data.id, thread, cancelledMessage(view));
        await forget(data, thread);
        return;
      }
      const view = { jobId: data.id, workerName, attempt, reason: error.message };
      if (!final) {
        thread.state = 'retrying';
        await showStatus(data.id, thread, retryingMessage(view));
        return;
      }
      await update(data.id, thread, failedStatusMessage(view));
      await post(data.id, thread, failureMessage(view));
      await forget(data, thread);
    },

    async close() {
      const running = [...threads.entries()].filter(([, thread]) => thread.state === 'working' && thread.progressTs);
      await Promise.all([...threads.values()].map((thread) => thread.throttle?.stop()));
      // Jobs still "working" here were handed back to the queue by the shutdown: say so rather than leave a stale "Working on it…".
      const notices = running.map(([id, thread]) => update(id, thread, interruptedStatusMessage(workerName)));
      let timer: ReturnType<typeof setTimeout> | undefined;
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, CLOSE_DEADLINE_MS);
      });
      await Promise.race([Promise.all(notices), deadline]);
      clearTimeout(timer);
      threads.clear();
    },
  };
}
