// What `repo` and `clean` answer, as plain text for the CLI and (escaped) for
// Slack. Pure.
import type { WorktreeCleanOutcome } from '@agentops/core';
import { CONFIGURE_WORKSPACES } from './choose.js';

export interface RepoAnswer {
  workspace?: string;
  names: readonly string[];
  change?: 'set' | 'cleared';
}

const plural = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;

/** The channel's workspace after `repo`, and what is configured. */
export function repoAnswer(answer: RepoAnswer): string {
  const { workspace, names, change } = answer;
  const lines: string[] = [];
  if (change === 'set')
    lines.push(
      `Code jobs in this channel now run in workspace ${workspace}, unless a job names another (repo=<name>).`,
    );
  else if (change === 'cleared')
    lines.push(
      'This channel has no default workspace any more: code jobs run in CODE_WORKDIR unless a job names one (repo=<name>).',
    );
  else if (workspace)
    lines.push(`Code jobs in this channel run in workspace ${workspace}, unless a job names another (repo=<name>).`);
  else
    lines.push(
      'This channel has no default workspace: code jobs run in CODE_WORKDIR unless a job names one (repo=<name>).',
    );
  if (names.length === 0) lines.push(`No workspaces are configured. To use one, ${CONFIGURE_WORKSPACES}.`);
  else if (change === undefined)
    lines.push(
      `Configured workspaces: ${names.join(', ')}. Set the channel's with /queue repo <name>; /queue repo none clears it.`,
    );
  return lines.join('\n');
}

/** What the code workers cleaned, and the branches they kept. */
export function cleanAnswer(result: WorktreeCleanOutcome, waitedMs: number): string {
  if (!result.answered)
    return 'No code worker answered, so nothing was cleaned: none is running. Start the code worker (npm start, or its service) and try again.';
  const reports = result.reports;
  const count = (pick: (report: (typeof reports)[number]) => readonly unknown[]) =>
    reports.reduce((sum, report) => sum + pick(report).length, 0);
  const lines = [
    `Worktrees cleaned: ${plural(
      count((report) => report.removed),
      'worktree',
    )} removed, ${plural(
      count((report) => report.deleted),
      'empty branch',
      'empty branches',
    )} deleted` +
      (count((report) => report.running) > 0
        ? `; ${plural(
            count((report) => report.running),
            'worktree',
          )} of running jobs left alone.`
        : '.'),
  ];
  const kept = reports.flatMap((report) => report.kept);
  if (kept.length > 0) {
    lines.push('Branches kept, with commits beyond where their job started (merge or delete them yourself):');
    for (const branch of kept) lines.push(`• ${branch.branch}: ${plural(branch.commits, 'commit')}, in ${branch.repo}`);
  }
  const problems = reports.flatMap((report) => report.problems);
  if (problems.length > 0) lines.push('Not cleaned:', ...problems.map((problem) => `• ${problem}`));
  if (result.missing > 0)
    lines.push(
      `${plural(result.missing, 'code worker')} did not answer within ${Math.round(waitedMs / 1_000)} s; their worktrees may be left as they were.`,
    );
  return lines.join('\n');
}
