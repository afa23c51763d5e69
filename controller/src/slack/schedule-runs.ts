// A schedule's run in Slack mode: the same intake as a typed request, so each
// run's job has a receipt card in the channel (naming the schedule) and a
// thread for its answer. It acts as the schedule's maker (source `schedule`):
// a refusal of the run goes to that person privately. Replies are keyed by the
// tick, so a tick handled again says nothing twice.
import type { SubmitRun } from '../schedules/runs.js';
import type { SlackDeps, SlackOrigin } from './context.js';
import { intakeJobs } from './intake.js';
import { createMessenger } from './messenger.js';

export function submitRunInSlack(base: SlackDeps): SubmitRun {
  return (schedule, entryId) => {
    const deps: SlackDeps = { ...base, messenger: createMessenger(base.outbox, `run:${entryId}`) };
    const origin: SlackOrigin = {
      channel: base.scope.channelId,
      user: schedule.createdBy,
      source: 'schedule',
      trigger: { kind: 'schedule', name: schedule.id },
    };
    return intakeJobs(deps, origin, [schedule.request], entryId, schedule.queue ? { queue: schedule.queue } : {});
  };
}
