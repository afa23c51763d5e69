// Where the research worker's Claude works. By default a fresh, empty folder
// per job, created for the job and removed after it; RESEARCH_WORKDIR names a
// folder instead. Never CODE_WORKDIR unless RESEARCH_WORKDIR points there:
// a research job may be started by anyone allowed in the channel, a code job
// only by CODE_ALLOWED_USERS, and the code folder holds the repository and
// often its .env.
import path from 'node:path';
import type { Config } from '@agentops/core';
import { resolveWorkdir } from '@agentops/worker-kit';

export type ResearchFolder =
  | { kind: 'per-job' }
  /** RESEARCH_WORKDIR, resolved; `codeFolder` when it is CODE_WORKDIR (or holds it, or lies inside it). */
  | { kind: 'configured'; path: string; codeFolder: boolean };

/** Prefix of the per-job folders' names in the temporary directory. */
export const RESEARCH_FOLDER_PREFIX = 'agentops-research-';

const within = (inner: string, outer: string): boolean => {
  const relative = path.relative(outer, inner);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
};

/** Decides the folder at start; CONFIG_INVALID when RESEARCH_WORKDIR names no existing folder. */
export function chooseResearchFolder(config: Config, base = process.cwd()): ResearchFolder {
  if (config.researchWorkdir === undefined) return { kind: 'per-job' };
  const folder = resolveWorkdir(config.researchWorkdir, base, 'RESEARCH_WORKDIR');
  const code = config.claude.workdir === undefined ? undefined : path.resolve(base, config.claude.workdir);
  const codeFolder = code !== undefined && (within(folder, code) || within(code, folder));
  return { kind: 'configured', path: folder, codeFolder };
}
