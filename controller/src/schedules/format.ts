// How schedules read back, in plain text for the CLI and (escaped) for Slack:
// the answer to `schedule add` with the next three runs, the list, and what
// remove, pause, resume and run did. Pure.
import { priorityLabel } from '@agentops/core';
import { describeExpression, formatRunTime } from './expression.js';
import type { ScheduleView } from './service.js';

/** Longest job text shown per schedule. */
const TEXT_MAX = 80;

function excerpt(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > TEXT_MAX ? `${line.slice(0, TEXT_MAX - 1)}…` : line;
}

function summary(view: ScheduleView): string {
  const { record } = view;
  const queue = record.queue ? ` on ${record.queue}` : '';
  return `${record.id}: ${describeExpression(record.expression, record.timeZone)}${queue}, ${priorityLabel(record.request.priority)}: "${excerpt(record.request.text)}"`;
}

export function scheduleAddedText(view: ScheduleView, runs: readonly number[]): string {
  const zone = view.record.timeZone;
  return [
    `Schedule ${summary(view)}`,
    `Next runs: ${runs.map((at) => formatRunTime(at, zone)).join('; ')}.`,
    `Each run is a job requested by ${view.record.createdBy}; manage it with schedule pause|resume|run|remove ${view.record.id}.`,
  ].join('\n');
}

export function scheduleListText(views: readonly ScheduleView[]): string {
  if (views.length === 0)
    return 'No schedules. Add one with schedule add "0 9 * * 1-5" <text> or schedule add every 30m <text>.';
  return views
    .map((view) => {
      const state = view.record.paused
        ? 'paused'
        : view.next === undefined
          ? 'next run unknown'
          : `next ${formatRunTime(view.next, view.record.timeZone)}`;
      return `${summary(view)} · ${state} · by ${view.record.createdBy}`;
    })
    .join('\n');
}

export function scheduleChangedText(action: 'remove' | 'pause' | 'resume' | 'run', view: ScheduleView): string {
  const { id } = view.record;
  switch (action) {
    case 'remove':
      return `Removed schedule ${id}; it will not run again.`;
    case 'pause':
      return `Paused schedule ${id}; it keeps its settings and runs again after schedule resume ${id}.`;
    case 'resume':
      return `Resumed schedule ${id}${view.next === undefined ? '' : `; next run ${formatRunTime(view.next, view.record.timeZone)}`}.`;
    case 'run':
      return `Schedule ${id} runs now; its job gets a receipt like every run.`;
  }
}
