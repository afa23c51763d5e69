// The audit log: every control action and every refusal (who, what, which job,
// from where, when, and how it ended), appended to a Redis Stream and kept for
// AUDIT_DAYS. Admins read it with `/queue audit` and `agentops audit`.
// Appending never fails the action it records: a lost audit line is logged.
import { redisKeys, toCodedError, type Logger, type Redis } from '@agentops/core';

export interface AuditEntry {
  /** Slack user id, or "cli:<os user>". */
  who: string;
  /** What was asked: submit, cancel, retry, promote, pause, resume, workers, audit… */
  action: string;
  /** The entry path: slash, message, button, cli, api. */
  source: string;
  job?: string;
  outcome: 'done' | 'refused' | 'failed';
  /** Why it was refused or failed. */
  reason?: string;
}

export interface AuditRecord extends AuditEntry {
  /** Stream id. */
  id: string;
  at: number;
}

export interface AuditLog {
  append(entry: AuditEntry): Promise<void>;
  /** The newest `limit` records, newest first. */
  recent(limit: number): Promise<AuditRecord[]>;
}

const DAY_MS = 86_400_000;

export function createAuditLog(redis: Redis, prefix: string, retentionDays: number, logger?: Logger): AuditLog {
  const key = redisKeys(prefix).audit;
  return {
    async append(entry) {
      const now = Date.now();
      const fields = Object.entries(entry).flatMap(([name, value]) =>
        value === undefined ? [] : [name, String(value)],
      );
      try {
        // MINID trims what is older than the retention, approximately (whole stream nodes).
        await redis.xadd(key, 'MINID', '~', String(now - retentionDays * DAY_MS), '*', ...fields);
      } catch (error) {
        logger?.warn({ err: toCodedError(error), audit: entry }, '[audit] Could not append to the audit log');
      }
    },
    async recent(limit) {
      const entries = await redis.xrevrange(key, '+', '-', 'COUNT', limit);
      return entries.map(([id, list]) => {
        const fields: Record<string, string> = {};
        for (let index = 0; index + 1 < list.length; index += 2) fields[list[index] ?? ''] = list[index + 1] ?? '';
        return {
          id,
          at: Number(id.split('-')[0]),
          who: fields.who ?? '',
          action: fields.action ?? '',
          source: fields.source ?? '',
          outcome: (fields.outcome ?? 'done') as AuditRecord['outcome'],
          ...(fields.job ? { job: fields.job } : {}),
          ...(fields.reason ? { reason: fields.reason } : {}),
        };
      });
    },
  };
}
