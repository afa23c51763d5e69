// Where the research worker's Claude works. By default a fresh, empty folder
// per job, created for the job and removed after it; RESEARCH_WORKDIR names a
// folder instead. Never CODE_WORKDIR unless RESEARCH_WORKDIR points there:
// a research job may be started by anyone allowed in the channel, a code job
// only by CODE_ALLOWED_USERS, and the code folder holds the repository and
// often its .env.
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { conversationRoot, type Config, type Logger } from '@agentops/core';
import { resolveWorkdir, type ClaudeFolder, type FolderChoice } from '@agentops/worker-kit';

export type ResearchFolder =
  /** A folder per job thread under the data folder, empty, kept while the thread may be continued. */
  | { kind: 'per-thread'; base: string }
  /** RESEARCH_WORKDIR, resolved; `codeFolder` when it is CODE_WORKDIR (or holds it, or lies inside it). */
  | { kind: 'configured'; path: string; codeFolder: boolean };

/** Where the per-thread folders live, under AGENTOPS_DATA_DIR. */
export const RESEARCH_FOLDERS = 'research';

const within = (inner: string, outer: string): boolean => {
  const relative = path.relative(outer, inner);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
};

/** Decides the folder at start; CONFIG_INVALID when RESEARCH_WORKDIR names no existing folder. */
export function chooseResearchFolder(config: Config, base = process.cwd()): ResearchFolder {
  if (config.researchWorkdir === undefined)
    return { kind: 'per-thread', base: path.join(config.paths.dataDir, RESEARCH_FOLDERS) };
  const folder = resolveWorkdir(config.researchWorkdir, base, 'RESEARCH_WORKDIR');
  const code = config.claude.workdir === undefined ? undefined : path.resolve(base, config.claude.workdir);
  const codeFolder = code !== undefined && (within(folder, code) || within(code, folder));
  return { kind: 'configured', path: folder, codeFolder };
}

/**
 * The folder of each research job: its thread's, so a follow-up resumes the
 * session where it was made (Claude Code keeps sessions per folder). Nothing
 * is written there (research runs have no writing tools); the folder is only
 * the session's place, removed by sweepThreadFolders once the thread is old.
 */
export function threadFolders(base: string): FolderChoice {
  return async ({ data }): Promise<ClaudeFolder> => {
    const folder = path.join(base, `thread-${conversationRoot(data)}`);
    mkdirSync(folder, { recursive: true });
    return { path: folder, kept: true, remove: () => undefined };
  };
}

/** Removes thread folders untouched for longer than `days` (CONVERSATION_DAYS); returns how many. */
export function sweepThreadFolders(base: string, days: number, logger: Logger, now = Date.now()): number {
  let removed = 0;
  let names: string[];
  try {
    names = readdirSync(base);
  } catch {
    return 0;
  }
  for (const name of names) {
    if (!/^thread-\d+$/.test(name)) continue;
    const folder = path.join(base, name);
    try {
      if (now - statSync(folder).mtimeMs < days * 86_400_000) continue;
      rmSync(folder, { recursive: true, force: true });
      removed += 1;
    } catch (error) {
      logger.debug({ err: error, folder }, '[research-worker] Could not remove an old thread folder');
    }
  }
  if (removed > 0)
    logger.info({ removed }, `[research-worker] Removed ${removed} thread folder(s) older than ${days} days`);
  return removed;
}
