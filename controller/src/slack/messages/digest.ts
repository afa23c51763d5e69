// The failure digest's channel message: the period's final failures grouped
// by signature, per group the count, the latest example (job, text, reason)
// and Retry all / Discard, or who settled it and how it went. Everything the
// jobs brought (text, reasons) is escaped. Pure.
import {
  ACTION_IDS,
  digestButtonValue,
  escapeMrkdwn,
  mention,
  quote,
  truncate,
  type SlackMessage,
} from '@agentops/core';
import type { KnownBlock } from '@slack/types';
import type { Digest, DigestGroup } from '../../digest/groups.js';
import { button, context, section, withinLimits, type ControllerMessage } from './blocks.js';
import { formatDuration } from './format.js';

/** Groups drawn in full; the rest are counted on one line (two blocks a group, Slack allows 50). */
const MAX_GROUPS = 20;

const slackTime = (ms: number) =>
  `<!date^${Math.floor(ms / 1_000)}^{date_short_pretty} {time}|${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC>`;

function settledLine(group: DigestGroup): string | undefined {
  const { settled } = group;
  if (!settled) return undefined;
  const verb = settled.action === 'retried' ? ':repeat: Retried' : ':wastebasket: Discarded';
  const skipped = settled.skipped > 0 ? `, ${settled.skipped} skipped` : '';
  return `${verb} by ${mention(settled.by)}: ${settled.done} job(s)${skipped}`;
}

function groupBlocks(digest: Digest, group: DigestGroup): KnownBlock[] {
  const { latest } = group;
  const head = `*${group.count}×* \`${escapeMrkdwn(group.code)}\` ${escapeMrkdwn(truncate(group.pattern, 300))}`;
  const example = `Latest: job #${latest.jobId} on *${latest.queue}*\n${quote(escapeMrkdwn(truncate(latest.text, 200)))}\nReason: ${escapeMrkdwn(truncate(latest.reason, 500))}`;
  const settled = settledLine(group);
  const value = digestButtonValue({ digest: digest.id, group: group.key });
  return [
    section(`${head}\n${example}`),
    settled
      ? context(settled)
      : {
          type: 'actions',
          block_id: `agentops_digest_${group.key}`,
          elements: [
            button(`Retry all (${group.jobIds.length})`, ACTION_IDS.digestRetry, value, 'primary'),
            button('Discard', ACTION_IDS.digestDiscard, value, 'danger'),
          ],
        },
  ];
}

export function digestMessage(digest: Digest): ControllerMessage {
  const failures = digest.groups.reduce((sum, group) => sum + group.count, 0);
  const title = `:rotating_light: *Failure digest*: ${failures} final failure(s) in ${digest.groups.length} group(s) since ${slackTime(digest.start)}`;
  const shown = digest.groups.slice(0, MAX_GROUPS);
  const hidden = digest.groups.length - shown.length;
  const message: SlackMessage<KnownBlock> = {
    text: `Failure digest: ${failures} final failure(s) in ${digest.groups.length} group(s)`,
    blocks: [
      section(title),
      context(
        `Failures of the next ${formatDuration(digest.periodMs)} are added here; later ones start a new digest. Retry all retries the jobs you may retry; Discard (admins) removes the failed jobs.`,
      ),
      ...shown.flatMap((group) => groupBlocks(digest, group)),
      ...(hidden > 0 ? [context(`…and ${hidden} more group(s); see agentops list failed.`)] : []),
    ],
  };
  return withinLimits(message);
}
