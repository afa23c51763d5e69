// A worktree job's branch and what changed on it (`git diff --stat` against
// where the branch started, uncommitted changes included), closing its answer
// so the person knows where to look and whether anything was changed. Pure.
import { codeBlock, escapeMrkdwn, sectionBlock, SLACK_LIMITS, type JobStats, type SlackMessage } from '@agentops/core';

type Block = SlackMessage['blocks'][number];

/** Nothing when the job ran in no worktree. */
export function worktreeBlocks(stats: JobStats | undefined): Block[] {
  if (!stats?.branch) return [];
  // Inline code cannot hold a backtick (git allows one in a branch name).
  const head = `:twisted_rightwards_arrows: Branch \`${escapeMrkdwn(stats.branch.replace(/`/g, ''))}\``;
  const stat = stats.diffstat?.trim();
  if (!stat) return [sectionBlock(`${head}: no changes`)];
  return [sectionBlock(`${head}:\n${codeBlock(stat, SLACK_LIMITS.sectionText - head.length - 2)}`)];
}
