// The status board: counts per queue, paused state, concurrency, and its
// controls (Pause/Resume, Refresh, Set workers, View status). Pure.
import type { ActionsBlock, PlainTextOption } from '@slack/types';
import { ACTION_IDS, MAX_WORKERS, MIN_WORKERS, SLACK_LIMITS, truncate } from '@agentops/core';
import type { StatusSnapshot } from '../../queue/manager.js';
import { button, context, withinLimits, type ControllerMessage } from './blocks.js';

function queueLine(queue: StatusSnapshot['queues'][number]): string {
  const { counts } = queue;
  const paused = queue.paused ? ' · :double_vertical_bar: paused' : '';
  const limit = queue.limit
    ? ` · :hourglass: waits for ${queue.limit.kind === 'usage_limit' ? "Claude's usage limit" : queue.limit.kind === 'rate_limit' ? 'the API rate limit' : 'the overloaded API'} until <!date^${Math.floor(queue.limit.resetAt / 1_000)}^{time}|${new Date(queue.limit.resetAt).toISOString().slice(11, 16)} UTC>`
    : '';
  const state = `${paused}${limit}`;
  const workers = queue.workers === 1 ? '1 worker' : `${queue.workers} workers`;
  return `*${queue.name}*${state}\n${counts.waiting} waiting · ${counts.active} active · ${counts.delayed} delayed · ${counts.completed} done · ${counts.failed} failed · ${workers}`;
}

function workerOption(count: number): PlainTextOption {
  return {
    text: { type: 'plain_text', text: count === 1 ? '1 job at once' : `${count} jobs at once` },
    value: String(count),
  };
}

export interface StatusNote {
  /** e.g. "Paused by <@U1>" */
  note?: string;
  at?: number;
}

export function statusMessage(snapshot: StatusSnapshot, extra: StatusNote = {}): ControllerMessage {
  const options = Array.from({ length: MAX_WORKERS - MIN_WORKERS + 1 }, (_, index) =>
    workerOption(index + MIN_WORKERS),
  );
  const current =
    snapshot.globalConcurrency === null
      ? undefined
      : options.find((option) => option.value === String(snapshot.globalConcurrency));
  const select = {
    type: 'static_select' as const,
    action_id: ACTION_IDS.setWorkers,
    placeholder: { type: 'plain_text' as const, text: 'Set workers' },
    options,
    ...(current ? { initial_option: current } : {}),
  };
  const actions: ActionsBlock = {
    type: 'actions',
    block_id: 'agentops_status_actions',
    elements: [
      snapshot.paused
        ? button('Resume', ACTION_IDS.resume, 'resume', 'primary')
        : button('Pause', ACTION_IDS.pause, 'pause', 'danger'),
      button('Refresh', ACTION_IDS.refresh, 'refresh'),
      select,
      button('View Status', ACTION_IDS.viewStatus, 'view'),
    ],
  };
  const totalWaiting = snapshot.queues.reduce((sum, queue) => sum + queue.counts.waiting, 0);
  const totalActive = snapshot.queues.reduce((sum, queue) => sum + queue.counts.active, 0);
  const limit =
    snapshot.globalConcurrency === null ? 'no global limit' : `at most ${snapshot.globalConcurrency} at once per queue`;
  const time = new Date(extra.at ?? snapshot.takenAt).toISOString().slice(11, 19);
  return withinLimits({
    text: `Queue status: ${totalWaiting} waiting, ${totalActive} active${snapshot.paused ? ', PAUSED' : ''}`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: snapshot.paused ? 'Queue status: paused' : 'Queue status' } },
      {
        type: 'section',
        fields: snapshot.queues
          .slice(0, SLACK_LIMITS.sectionFields)
          .map((queue) => ({ type: 'mrkdwn' as const, text: truncate(queueLine(queue), SLACK_LIMITS.fieldText) })),
      },
      context(
        `${snapshot.paused ? ':double_vertical_bar: All queues paused: running jobs finish, nothing new starts' : ':arrow_forward: Running'} · Concurrency: ${limit} · Updated ${time} UTC`,
        ...(extra.note ? [extra.note] : []),
      ),
      actions,
    ],
  });
}
