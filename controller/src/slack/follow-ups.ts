// A reply in a job's thread that is not a control word is the thread's next
// job: a follow-up. It goes on the queue of the thread's latest job (or the
// one its `code:` / `local:` / `research:` names), in the same workspace, is
// allowed for the thread's requester or an admin who may use that queue, and
// gets its own live card in the thread. The worker that runs it continues the
// conversation (the Claude session, or the earlier turns for the local model).
// One thread runs one job at a time: a follow-up sent while the job before it
// has not ended is parked until that job ends.
import { AgentOpsError, ErrorCode, isCodedError, type JobData, type JobRequest, type QueueName } from '@agentops/core';
import type { FollowUp } from '../commands/grammar.js';
import { submitJobs } from '../intake/submit.js';
import type { JobDetails } from '../queue/manager.js';
import type { SlackDeps, SlackOrigin } from './context.js';
import { jobCard, plainMessage } from './messages/index.js';
import { receiptKey } from './messenger.js';

/** What a follow-up inherits from its thread. */
interface ThreadFacts {
  latest: string;
  queue: QueueName;
  workspace?: string;
  /** Whose thread it is: its first job's requester (else the latest's). */
  owner: string;
}

async function inspectOrNothing(deps: SlackDeps, id: string): Promise<JobDetails | undefined> {
  try {
    return await deps.manager.inspect(id);
  } catch (error) {
    if (isCodedError(error, ErrorCode.JobNotFound)) return undefined;
    throw error;
  }
}

async function threadFacts(deps: SlackDeps, rootId: string): Promise<ThreadFacts> {
  const latest = await deps.threads.latest(rootId);
  const [last, root] = await Promise.all([
    inspectOrNothing(deps, latest),
    latest === rootId ? undefined : inspectOrNothing(deps, rootId),
  ]);
  const known = last ?? root;
  if (!known) {
    throw new AgentOpsError(
      ErrorCode.JobNotFound,
      `The jobs of this thread (#${rootId}${latest === rootId ? '' : ` to #${latest}`}) are no longer kept, so I cannot continue it. Start a new job in the channel.`,
    );
  }
  return {
    latest,
    queue: last?.data.queue ?? known.data.queue,
    ...((last ?? known).data.workspace ? { workspace: (last ?? known).data.workspace } : {}),
    owner: (root ?? known).data.requestedBy,
  };
}

/**
 * Queues `followUp` as the next job of the thread whose first job is `rootId`;
 * resolves with it (undefined when refused, after saying why).
 */
export async function queueFollowUp(
  deps: SlackDeps,
  origin: SlackOrigin,
  rootId: string,
  followUp: FollowUp,
  entryId: string,
): Promise<JobData | undefined> {
  const facts = await threadFacts(deps, rootId);
  const queue = followUp.queue ?? facts.queue;
  const access = await deps.guard.check({ id: origin.user, source: origin.source }, 'followUp', {
    job: { id: facts.latest, queue, requestedBy: facts.owner },
  });
  if (!access.allowed) {
    await deps.messenger.ephemeral(origin.channel, origin.user, plainMessage(`:no_entry_sign: ${access.message}`), {
      key: receiptKey(rootId),
    });
    return undefined;
  }
  const request: JobRequest = {
    ...followUp.request,
    ...(facts.workspace && !followUp.request.workspace ? { workspace: facts.workspace } : {}),
  };
  const parked = new Set<string>();
  const thread = { key: receiptKey(rootId) };
  const [job] = await submitJobs(
    deps,
    {
      source: origin.source,
      requestedBy: origin.user,
      slack: {
        channel: origin.channel,
        user: origin.user,
        ...(origin.messageTs ? { messageTs: origin.messageTs } : {}),
      },
      // `after` is fixed below, once the job has an id and its place in the thread.
      thread: { root: rootId, after: rootId },
    },
    [request],
    {
      entryId,
      queue,
      parked,
      hooks: {
        async beforeEnqueue(planned) {
          const after = await deps.threads.claim(rootId, planned.id);
          planned.thread = { root: rootId, after };
          const waits = !(await deps.manager.hasEnded(after));
          if (waits) parked.add(planned.id);
          await deps.outbox.send([
            {
              method: 'post',
              key: receiptKey(planned.id),
              channel: origin.channel,
              thread,
              message: jobCard({ data: planned, state: { kind: 'queued', ...(waits ? { after } : {}) } }),
              receiptOf: planned.id,
            },
          ]);
        },
        async afterEnqueue(jobs) {
          // The job before it may have ended while this one was being parked; then nobody else lets it go.
          for (const added of jobs)
            if (parked.has(added.id) && added.thread && (await deps.manager.hasEnded(added.thread.after)))
              await deps.manager.releaseParked(added.id);
        },
      },
    },
  );
  return job;
}
