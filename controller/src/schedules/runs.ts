// A schedule's run: each tick becomes jobs through submitJobs, like any
// request, acting as the schedule's maker (source `schedule`, the trigger
// naming the schedule) with that person's rights at the time of the run. The
// tick's id is the plan's entry id, so a tick BullMQ delivers again reads its
// plan back and adds nothing new. Slack mode submits through Slack's intake
// (receipt cards); without Slack, through submitJobs alone.
import { toCodedError, type JobData, type JobOrigin, type Logger, type Redis } from '@agentops/core';
import type { AccessGuard } from '../access/guard.js';
import { submitJobs, type SubmitDeps } from '../intake/submit.js';
import { startTickWorker, type Tick, type TickWorker } from '../queue/schedules.js';
import type { ScheduleStore, ScheduleRecord } from './store.js';

/** Submits one run of `schedule`, planned under `entryId`. */
export type SubmitRun = (schedule: ScheduleRecord, entryId: string) => Promise<JobData[]>;

/** The entry id of a tick's plan. */
export function tickEntryId(tick: Tick): string {
  return `tick:${tick.id}`;
}

/** Who a run acts as, and what started it. */
export function runOrigin(schedule: ScheduleRecord): JobOrigin {
  return {
    source: 'schedule',
    requestedBy: schedule.createdBy,
    trigger: { kind: 'schedule', name: schedule.id },
  };
}

/** A run without Slack: submitJobs with the access decision as its admit hook. */
export function submitRunWithoutSlack(deps: SubmitDeps & { guard: AccessGuard; logger: Logger }): SubmitRun {
  return (schedule, entryId) =>
    submitJobs(deps, runOrigin(schedule), [schedule.request], {
      entryId,
      ...(schedule.queue ? { queue: schedule.queue } : {}),
      hooks: {
        async admit(_request, decision) {
          const access = await deps.guard.check(
            { id: schedule.createdBy, source: 'schedule' },
            'submit',
            { queue: decision.queue },
            { schedule: schedule.id },
          );
          return access.allowed ? { admitted: true } : { admitted: false, message: access.message };
        },
      },
    });
}

/** Handles one tick: nothing for a schedule removed or paused since (a `run now` tick runs a paused one too). */
export function createTickHandler(
  store: ScheduleStore,
  submit: SubmitRun,
  logger: Logger,
): (tick: Tick) => Promise<void> {
  return async (tick) => {
    const schedule = await store.get(tick.scheduleId);
    const manual = tick.id.startsWith('now:');
    if (!schedule || (schedule.paused && !manual)) {
      logger.info(
        { schedule: tick.scheduleId, tick: tick.id, skipped: schedule ? 'paused' : 'removed' },
        `[schedules] Tick of ${tick.scheduleId} skipped: the schedule is ${schedule ? 'paused' : 'gone'}`,
      );
      return;
    }
    try {
      const jobs = await submit(schedule, tickEntryId(tick));
      logger.info(
        { schedule: schedule.id, tick: tick.id, jobIds: jobs.map((job) => job.id), requestedBy: schedule.createdBy },
        jobs.length > 0
          ? `[schedules] ${schedule.id} queued job ${jobs.map((job) => `#${job.id}`).join(', ')}`
          : `[schedules] ${schedule.id}'s run was refused; no job`,
      );
    } catch (error) {
      logger.warn(
        { err: toCodedError(error), schedule: schedule.id, tick: tick.id },
        `[schedules] ${schedule.id}'s run failed: ${toCodedError(error).message}; it is tried again`,
      );
      throw error;
    }
  };
}

/** Takes the ticks on `connection` (a connection of its own, closed with the worker) and submits each run. */
export function startScheduleRuns(
  connection: Redis,
  prefix: string,
  store: ScheduleStore,
  submit: SubmitRun,
  logger: Logger,
): TickWorker {
  return startTickWorker(connection, prefix, createTickHandler(store, submit, logger), (error) =>
    logger.debug({ err: toCodedError(error) }, `[schedules] Tick worker: ${error.message}`),
  );
}
