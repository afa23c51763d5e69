// What an inbox entry becomes, decided once: the first attempt reserves the
// job ids and stores the jobs' data (routing included) in one Lua step; a
// replay of the entry after a crash reads the same plan back instead of
// routing again, so it creates the same jobs under the same ids (which BullMQ
// will not add twice) and nothing new.
import { KEY_TTL_SEC, redisKeys, type JobData, type Redis } from '@agentops/core';

export interface Plan {
  jobs: JobData[];
  /** The jobs were added to their queues. */
  enqueued: boolean;
}

const CREATE = `
if redis.call('EXISTS', KEYS[1]) == 1 then
  return redis.call('HMGET', KEYS[1], 'last', 'body', 'enqueued')
end
local last = redis.call('INCRBY', KEYS[2], ARGV[1])
redis.call('HSET', KEYS[1], 'last', last, 'body', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return {tostring(last), ARGV[2], false}
`;

type JobTemplate = Omit<JobData, 'id'>;

function assemble(last: string, body: string, enqueued: string | null | undefined): Plan {
  const templates = JSON.parse(body) as JobTemplate[];
  const first = Number(last) - templates.length + 1;
  return {
    jobs: templates.map((template, index) => ({ ...template, id: String(first + index) }) as JobData),
    enqueued: enqueued === '1',
  };
}

export interface Plans {
  get(entryId: string): Promise<Plan | undefined>;
  /** Stores the plan for `entryId` with fresh ids, or returns the one an earlier attempt stored. */
  create(entryId: string, templates: readonly JobTemplate[]): Promise<Plan>;
  markEnqueued(entryId: string): Promise<void>;
}

export function createPlans(redis: Redis, prefix: string): Plans {
  const keys = redisKeys(prefix);
  return {
    async get(entryId) {
      const [last, body, enqueued] = await redis.hmget(keys.intakePlan(entryId), 'last', 'body', 'enqueued');
      return last && body ? assemble(last, body, enqueued) : undefined;
    },
    async create(entryId, templates) {
      const [last, body, enqueued] = (await redis.eval(
        CREATE,
        2,
        keys.intakePlan(entryId),
        keys.nextJobId,
        templates.length,
        JSON.stringify(templates),
        KEY_TTL_SEC.intakePlan,
      )) as [string, string, string | null];
      return assemble(last, body, enqueued);
    },
    async markEnqueued(entryId) {
      await redis.hset(keys.intakePlan(entryId), 'enqueued', '1');
    },
  };
}
