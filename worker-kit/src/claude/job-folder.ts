// A fresh, empty folder for one job, removed when the job ends: where the
// research worker's Claude runs unless RESEARCH_WORKDIR names a folder, so
// one job finds nothing of another and no folder of the workstation is its
// working folder. Folders a job could not remove (the process was killed)
// are removed when the process exits; a SIGKILL leaves an empty folder in the
// temporary directory.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface JobFolder {
  /** The folder's absolute path. */
  readonly path: string;
  /** Removes the folder and whatever is in it; a second call does nothing. */
  remove(): void;
}

const open = new Set<string>();
let exitHookInstalled = false;

function removeAtExit(folder: string): void {
  open.add(folder);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const left of open) rmSync(left, { recursive: true, force: true });
  });
}

/** The folder name's stem: the prefix and the job id, with only letters, digits, `-` and `_` kept. */
export function jobFolderStem(prefix: string, jobId: string): string {
  return `${prefix}${jobId}-`.replace(/[^A-Za-z0-9_-]/g, '_');
}

/** Creates `<base>/<prefix><jobId>-XXXXXX`, empty (base: the OS temporary directory). */
export function createJobFolder(prefix: string, jobId: string, base = tmpdir()): JobFolder {
  const folder = mkdtempSync(path.join(base, jobFolderStem(prefix, jobId)));
  removeAtExit(folder);
  let removed = false;
  return {
    path: folder,
    remove() {
      if (removed) return;
      removed = true;
      rmSync(folder, { recursive: true, force: true });
      open.delete(folder);
    },
  };
}
