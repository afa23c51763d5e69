// Jobs a REST API token or a webhook asks for, through the same path as every
// other request: written to the inbox first (a webhook's delivery id claimed
// in the same step), then submitted at once with the access decision in
// submitJobs' admit hook, as the CLI does. If the controller dies in between,
// its inbox consumer finishes the entry from the same plan (handle()). While
// this process is still submitting an entry, the consumer waits for that
// instead of submitting it a second time (which would be harmless: the plan
// and the job ids are fixed per entry, but the router would run twice).
//
// In Slack mode, with API_RECEIPTS, the jobs get a card in the channel: the
// submission is then Slack's intake (slack/intake.ts), handed in as `receipts`
// once the Slack side has started.
import { AgentOpsError, ErrorCode, type JobData, type Logger } from '@agentops/core';
import type { AccessGuard } from '../access/guard.js';
import type { DeliveryClaim, Inbox, InboxEntry, ServiceRequest } from './inbox.js';
import { submitJobs, type SubmitDeps } from './submit.js';

/** Submits a service request with Slack receipts (slack/intake.ts `intakeServiceJobs`). */
export type ReceiptIntake = (request: ServiceRequest, entryId: string) => Promise<JobData[]>;

export interface ServiceIntakeDeps extends SubmitDeps {
  inbox: Inbox;
  guard: AccessGuard;
  logger: Logger;
  /** Resolves once the Slack side has started, in Slack mode with API_RECEIPTS. */
  receipts?: Promise<ReceiptIntake>;
}

export interface ServiceIntake {
  /** Whether new requests get a Slack receipt. */
  readonly receipts: boolean;
  /**
   * Writes `request` to the inbox (claiming `claim` in the same step) and submits it; undefined when
   * the claim was taken already (a replayed webhook delivery).
   */
  submit(request: Omit<ServiceRequest, 'kind' | 'receipt'>, claim?: DeliveryClaim): Promise<JobData[] | undefined>;
  /** The inbox consumer's side of a `service-add` entry. */
  handle(entry: InboxEntry): Promise<void>;
}

export function createServiceIntake(deps: ServiceIntakeDeps): ServiceIntake {
  const inFlight = new Map<string, Promise<JobData[]>>();

  const run = async (request: ServiceRequest, entryId: string): Promise<JobData[]> => {
    if (request.receipt && deps.receipts) return (await deps.receipts)(request, entryId);
    return submitJobs(
      deps,
      { source: request.actor.source, requestedBy: request.actor.id, trigger: request.trigger },
      request.items,
      {
        entryId,
        ...(request.queue ? { queue: request.queue } : {}),
        hooks: {
          async admit(_item, decision) {
            const access = await deps.guard.check(request.actor, 'submit', { queue: decision.queue });
            return access.allowed ? { admitted: true } : { admitted: false, message: access.message };
          },
          async refused(_item, decision, message) {
            deps.logger.warn(
              { refused: 'submit', user: request.actor.id, queue: decision.queue },
              `[intake] ${request.actor.id} may not start a job on ${decision.queue}: ${message}`,
            );
          },
        },
      },
    );
  };

  const track = (request: ServiceRequest, entryId: string) => {
    const running = run(request, entryId).finally(() => inFlight.delete(entryId));
    inFlight.set(entryId, running);
    return running;
  };

  return {
    receipts: deps.receipts !== undefined,
    async submit(asked, claim) {
      const request: ServiceRequest = { kind: 'service-add', ...asked, receipt: deps.receipts !== undefined };
      const entryId = await deps.inbox.write(request, claim);
      if (!entryId) return undefined;
      return track(request, entryId);
    },
    async handle(entry) {
      const { request } = entry;
      if (request.kind !== 'service-add')
        throw new AgentOpsError(ErrorCode.Internal, `Not an API or webhook request: ${request.kind}`);
      await (inFlight.get(entry.id) ?? track(request, entry.id));
    },
  };
}
