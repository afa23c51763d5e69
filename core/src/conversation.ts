// A job thread's conversation: what each job of the thread was asked and
// answered, with the Claude session and folder it ran in, so a follow-up can
// continue it (`claude --resume`, or the earlier turns as chat history for the
// local model). The worker that ran a job writes its turn before the job
// completes, so a follow-up that starts after it always finds it; a rerun
// writes the same field again. Kept CONVERSATION_DAYS after the last write.
import type { Redis } from 'ioredis';
import { redisKeys } from './keys.js';
import type { JobData } from './job.js';
import type { QueueName } from './queues.js';

/** Longest answer kept per turn (characters); a longer one keeps its start and end. */
export const MAX_TURN_ANSWER = 32_000;

export interface ConversationTurn {
  /** The job's short id. */
  job: string;
  queue: QueueName;
  text: string;
  answer: string;
  /** Claude's session, for `--resume`. */
  sessionId?: string;
  /** The folder the session ran in; a resume must run there too. */
  workdir?: string;
  branch?: string;
  at: number;
}

/** The id of the thread's first job: a follow-up's root, or the job itself. */
export function conversationRoot(data: Pick<JobData, 'id' | 'thread'>): string {
  return data.thread?.root ?? data.id;
}

/** Whether a job may be followed up (it has a Slack thread), so its turn is worth keeping. */
export function keepsConversation(data: Pick<JobData, 'slack' | 'thread'>): boolean {
  return data.slack !== undefined || data.thread !== undefined;
}

function clip(text: string): string {
  if (text.length <= MAX_TURN_ANSWER) return text;
  const half = Math.floor(MAX_TURN_ANSWER / 2) - 20;
  return `${text.slice(0, half)}\n\n[… ${text.length - 2 * half} characters left out …]\n\n${text.slice(-half)}`;
}

/** Reads a stored turn; undefined for anything that is not one. */
function parseTurn(raw: string): ConversationTurn | undefined {
  try {
    const value = JSON.parse(raw) as Partial<ConversationTurn>;
    if (typeof value.job !== 'string' || typeof value.text !== 'string' || typeof value.answer !== 'string')
      return undefined;
    return value as ConversationTurn;
  } catch {
    return undefined;
  }
}

export interface ConversationStore {
  /** The thread's turns of jobs before `beforeJob` (all when absent), oldest first. */
  turns(rootId: string, beforeJob?: string): Promise<ConversationTurn[]>;
  /** Writes (or rewrites) one job's turn. */
  saveTurn(rootId: string, turn: ConversationTurn): Promise<void>;
}

export function createConversationStore(redis: Redis, prefix: string, days: number): ConversationStore {
  const keys = redisKeys(prefix);
  const ttl = days * 86_400;
  return {
    async turns(rootId, beforeJob) {
      const all = await redis.hgetall(keys.conversationTurns(rootId));
      const limit = beforeJob === undefined ? Number.POSITIVE_INFINITY : Number(beforeJob);
      return Object.entries(all)
        .filter(([id]) => Number(id) < limit)
        .sort(([a], [b]) => Number(a) - Number(b))
        .map(([, raw]) => parseTurn(raw))
        .filter((turn): turn is ConversationTurn => turn !== undefined);
    },
    async saveTurn(rootId, turn) {
      const key = keys.conversationTurns(rootId);
      await redis
        .multi()
        .hset(key, turn.job, JSON.stringify({ ...turn, answer: clip(turn.answer) }))
        .expire(key, ttl)
        .expire(keys.conversation(rootId), ttl)
        .exec();
    },
  };
}
