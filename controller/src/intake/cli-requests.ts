// The inbox consumer's side of CLI requests: the CLI submits its own jobs right
// after writing its entry; here the controller finishes any entry whose CLI
// died half way (or finds it done: the plan says so, and nothing is added twice).
import type { InboxEntry } from './inbox.js';
import { submitJobs, type SubmitDeps } from './submit.js';

export async function handleCliRequest(deps: SubmitDeps, entry: InboxEntry): Promise<void> {
  const { request } = entry;
  if (request.kind !== 'cli-add') throw new Error(`Not a CLI request: ${request.kind}`);
  await submitJobs(deps, { source: 'cli', requestedBy: request.requestedBy }, request.items, {
    entryId: entry.id,
    ...(request.queue ? { queue: request.queue } : {}),
  });
}
