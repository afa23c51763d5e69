// The controller's side of tool approvals in Redis (core/src/approvals.ts has
// the keys' story): reading a question, and writing the one answer it gets.
// The answer is written with SET NX, so of two clicks (or a click and the
// worker's timeout) exactly one counts; the others learn what it was.
import {
  KEY_TTL_SEC,
  parseApprovalAnswer,
  parseApprovalRequest,
  redisKeys,
  type ApprovalAnswer,
  type ApprovalRequest,
  type Redis,
} from '@agentops/core';

export type AnswerOutcome = { written: true } | { written: false; earlier?: ApprovalAnswer };

export interface ApprovalStore {
  request(id: string): Promise<ApprovalRequest | undefined>;
  answer(id: string): Promise<ApprovalAnswer | undefined>;
  /** Writes the answer unless there is one, and wakes the waiting worker. */
  decide(id: string, answer: ApprovalAnswer): Promise<AnswerOutcome>;
}

export function createApprovalStore(redis: Redis, prefix: string): ApprovalStore {
  const keys = redisKeys(prefix);
  const ttl = KEY_TTL_SEC.approval;
  return {
    async request(id) {
      return parseApprovalRequest(await redis.get(keys.approval(id)));
    },
    async answer(id) {
      return parseApprovalAnswer(await redis.get(keys.approvalAnswer(id)));
    },
    async decide(id, answer) {
      const written = await redis.set(keys.approvalAnswer(id), JSON.stringify(answer), 'EX', ttl, 'NX');
      if (!written) {
        const earlier = parseApprovalAnswer(await redis.get(keys.approvalAnswer(id)));
        return earlier ? { written: false, earlier } : { written: false };
      }
      await redis.multi().rpush(keys.approvalWake(id), '1').expire(keys.approvalWake(id), ttl).exec();
      return { written: true };
    },
  };
}
