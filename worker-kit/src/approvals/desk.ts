// How a worker asks a person about a tool use, over Redis (core/src/approvals.ts
// has the keys' story): it stores the question and announces it on the
// approval stream, pauses the job's clock, blocks on its own connection until
// the controller writes an answer or APPROVAL_TIMEOUT_MS passes (then it
// writes the timeout as the answer, unless a click got there first), and
// resumes the clock. "Approve all for this job" is remembered per job: every
// later question of that job is approved without asking.
//
// Why not pub/sub: a message published while the controller restarts is
// lost; a stream entry waits for its cursor. Why a list per question: BLPOP
// wakes the one worker waiting for it, and an answer written before the wait
// began is still there to pop.
import { Redis } from 'ioredis';
import {
  allows,
  denialMessage,
  KEY_TTL_SEC,
  parseApprovalAnswer,
  redisKeys,
  redisOptions,
  type ApprovalAnswer,
  type Config,
  type Logger,
} from '@agentops/core';
import type { ToolUseApprover, ToolUseQuestion } from '../claude/run.js';
import type { ProcessorContext } from '../runtime/runtime.js';
import { buildApprovalRequest } from './question.js';

export interface ApprovalDesk {
  /** The approver of one job's run; each job starts with nothing approved. */
  forJob(context: ProcessorContext): ToolUseApprover;
  close(): Promise<void>;
}

/** Entries kept on the approval stream; the controller reads them within seconds. */
const STREAM_MAX = 10_000;
/** BLPOP's longest single wait, so an aborted wait is noticed even if the disconnect is missed. */
const BLOCK_SEC_MAX = 5;

export function createApprovalDesk(config: Config, logger: Logger): ApprovalDesk {
  const connection = redisOptions(config, 'worker');
  // Connects on the first question: a worker whose runs never ask holds no extra connection.
  const store = new Redis({ ...connection, lazyConnect: true });
  store.on('error', () => undefined);
  const keys = redisKeys(config.redis.prefix);
  const ttl = KEY_TTL_SEC.approval;
  const timeoutMs = config.approvals.timeoutMs;

  /** Blocks until the answer is there, the timeout passes (undefined) or `signal` aborts (undefined). */
  const waitForAnswer = async (id: string, signal: AbortSignal): Promise<ApprovalAnswer | undefined> => {
    const reader = new Redis({ ...connection, lazyConnect: false });
    reader.on('error', () => undefined);
    const stop = () => reader.disconnect();
    signal.addEventListener('abort', stop, { once: true });
    const deadline = Date.now() + timeoutMs;
    try {
      while (!signal.aborted) {
        const left = deadline - Date.now();
        if (left <= 0) return undefined;
        const popped = await reader
          .blpop(keys.approvalWake(id), Math.min(BLOCK_SEC_MAX, Math.max(0.05, left / 1_000)))
          .catch(() => null);
        if (popped) return parseApprovalAnswer(await store.get(keys.approvalAnswer(id)));
      }
      return undefined;
    } finally {
      signal.removeEventListener('abort', stop);
      reader.disconnect();
    }
  };

  /** The timeout as the answer, unless someone answered at the same moment (then theirs). */
  const timeOut = async (id: string): Promise<ApprovalAnswer> => {
    const answer: ApprovalAnswer = { choice: 'timeout', at: Date.now() };
    const written = await store.set(keys.approvalAnswer(id), JSON.stringify(answer), 'EX', ttl, 'NX');
    if (written) {
      await store.xadd(keys.approvalRequests, 'MAXLEN', '~', STREAM_MAX, '*', 'event', 'timeout', 'id', id);
      return answer;
    }
    return parseApprovalAnswer(await store.get(keys.approvalAnswer(id))) ?? answer;
  };

  return {
    forJob(context) {
      let asked = 0;
      let approvedAll = false;
      return async (question: ToolUseQuestion) => {
        if (approvedAll) return { allow: true };
        const both = AbortSignal.any([context.signal, question.signal]);
        if (both.aborted) return { allow: false, message: 'The job was stopped.' };
        // A job from the CLI has no thread to ask in.
        if (!context.data.slack)
          return {
            allow: false,
            message: 'Nobody can approve tool uses of this job (it has no Slack thread); do without.',
          };
        asked += 1;
        const request = buildApprovalRequest({
          data: context.data,
          n: asked,
          tool: question.tool,
          input: question.input,
          secrets: config.secrets,
          timeoutMs,
          at: Date.now(),
        });
        const log = { approval: request.id, tool: request.tool };
        await store
          .multi()
          .set(keys.approval(request.id), JSON.stringify(request), 'EX', ttl)
          .xadd(keys.approvalRequests, 'MAXLEN', '~', STREAM_MAX, '*', 'event', 'asked', 'id', request.id)
          .exec();
        context.logger.info(log, `Job ${request.job} waits for approval of ${request.tool} (${request.id})`);
        context.clock.pause();
        let answer: ApprovalAnswer | undefined;
        try {
          answer = (await waitForAnswer(request.id, both)) ?? (both.aborted ? undefined : await timeOut(request.id));
        } finally {
          context.clock.resume();
        }
        if (!answer) return { allow: false, message: 'The job was stopped.' };
        if (answer.choice === 'approveAll') approvedAll = true;
        const allowed = allows(answer);
        context.logger.info(
          { ...log, choice: answer.choice, by: answer.by },
          `Job ${request.job}: ${request.tool} ${allowed ? 'approved' : 'denied'} (${answer.choice})`,
        );
        context.progress({ step: `${allowed ? 'Approved' : 'Denied'}: ${request.tool}` });
        return allowed ? { allow: true } : { allow: false, message: denialMessage(answer, timeoutMs) };
      };
    },
    async close() {
      logger.debug('Closing the approval desk');
      store.disconnect();
    },
  };
}
