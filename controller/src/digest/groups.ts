// The failure digest as values: one digest per period, opened by the first
// final failure after a quiet spell (and posted at once), collecting every
// final failure of the next FAILURE_DIGEST_MS in groups by signature; the
// first failure after the period ends opens the next digest. A group can be
// settled (Retry all, Discard) and opens again when the same failure comes
// back. Pure: the store keeps these in Redis, the Slack side draws them.
import type { QueueName } from '@agentops/core';
import type { FailureSignature } from './signature.js';

/** One final failure, as the digest keeps it. */
export interface Failure {
  jobId: string;
  queue: QueueName;
  /** When it failed for good (ms): the event's time, so reading it again places it the same way. */
  at: number;
  signature: FailureSignature;
  /** The reason BullMQ kept. */
  reason: string;
  /** The job's text. */
  text: string;
  requestedBy: string;
  attempts: { made: number; max: number };
}

export interface DigestGroup {
  key: string;
  code: string;
  pattern: string;
  /** Final failures in this group during the period. */
  count: number;
  /** Distinct jobs, oldest first, at most MAX_GROUP_JOBS. */
  jobIds: string[];
  latest: { jobId: string; queue: QueueName; text: string; reason: string; at: number };
  firstAt: number;
  /** Set by Retry all or Discard; cleared when the failure comes back. */
  settled?: { action: 'retried' | 'discarded'; by: string; at: number; done: number; skipped: number };
}

export interface Digest {
  /** `d<start ms>`. */
  id: string;
  start: number;
  periodMs: number;
  /** Groups in the order they first appeared. */
  groups: DigestGroup[];
  /** When its content last changed (dates its message's edits). */
  updatedAt: number;
}

/** Jobs one group remembers for Retry all and Discard; more are counted, not kept. */
export const MAX_GROUP_JOBS = 500;
/** Longest excerpts of a group's latest example. */
const TEXT_MAX = 200;
const REASON_MAX = 500;

const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** Whether a failure at `at` belongs to `digest` (else it opens the next one). */
export function inPeriod(digest: Digest | undefined, at: number): digest is Digest {
  return digest !== undefined && at < digest.start + digest.periodMs;
}

export function openDigest(at: number, periodMs: number): Digest {
  return { id: `d${at}`, start: at, periodMs, groups: [], updatedAt: at };
}

/** The digest with `failure` counted in its group (a new group when its signature is new). */
export function addFailure(digest: Digest, failure: Failure): Digest {
  const latest = {
    jobId: failure.jobId,
    queue: failure.queue,
    text: cut(failure.text, TEXT_MAX),
    reason: cut(failure.reason, REASON_MAX),
    at: failure.at,
  };
  const existing = digest.groups.find((group) => group.key === failure.signature.key);
  const updatedAt = Math.max(digest.updatedAt, failure.at);
  if (!existing) {
    const group: DigestGroup = {
      key: failure.signature.key,
      code: failure.signature.code,
      pattern: failure.signature.pattern,
      count: 1,
      jobIds: [failure.jobId],
      latest,
      firstAt: failure.at,
    };
    return { ...digest, groups: [...digest.groups, group], updatedAt };
  }
  const jobIds = existing.jobIds.includes(failure.jobId)
    ? existing.jobIds
    : [...existing.jobIds, failure.jobId].slice(0, MAX_GROUP_JOBS);
  const { settled: _settled, ...open } = existing;
  const group: DigestGroup = {
    ...open,
    count: existing.count + 1,
    jobIds,
    latest: failure.at >= existing.latest.at ? latest : existing.latest,
  };
  return { ...digest, groups: digest.groups.map((entry) => (entry === existing ? group : entry)), updatedAt };
}

/** The digests a batch of failures leaves: the current one grown, and any opened after it. */
export function placeFailures(
  current: Digest | undefined,
  failures: readonly Failure[],
  periodMs: number,
): { digests: Digest[]; opened: Digest[] } {
  const digests: Digest[] = current ? [current] : [];
  const opened: Digest[] = [];
  for (const failure of failures) {
    const last = digests[digests.length - 1];
    if (inPeriod(last, failure.at)) {
      digests[digests.length - 1] = addFailure(last, failure);
    } else {
      const next = addFailure(openDigest(failure.at, periodMs), failure);
      digests.push(next);
      opened.push(next);
    }
  }
  return { digests, opened: opened.map((digest) => digests.find((entry) => entry.id === digest.id) ?? digest) };
}

/** The digest with group `key` settled by `by`. */
export function settleGroup(digest: Digest, key: string, settled: NonNullable<DigestGroup['settled']>): Digest {
  return {
    ...digest,
    groups: digest.groups.map((group) => (group.key === key ? { ...group, settled } : group)),
    updatedAt: Math.max(digest.updatedAt + 1, settled.at),
  };
}
