// How a follow-up continues its thread with Claude. Pure.
//
// A session is resumed only where it was made: Claude Code keeps sessions per
// working folder, so the turn must have run in the folder this run uses, and
// on the same queue (a research session has other tools than a code one).
// Otherwise the follow-up starts a new session whose prompt carries the
// thread's earlier answers: that is how `code: …` in a research thread hands
// the research to the code job.
import type { ConversationTurn, QueueName } from '@agentops/core';

/** Most characters of earlier answers a new session's prompt carries. */
export const CONTINUATION_BUDGET = 12_000;

/** What Claude Code's session ids look like (UUIDs); anything else is never passed to `--resume`. */
const SESSION_ID = /^[A-Za-z0-9][A-Za-z0-9-]{7,79}$/;

/** The turn whose session this run resumes, if any. */
export function pickResume(
  history: readonly ConversationTurn[],
  queue: QueueName,
  folder: string,
): ConversationTurn | undefined {
  for (let index = history.length - 1; index >= 0; index -= 1) {
    const turn = history[index];
    if (turn?.queue === queue && turn.sessionId)
      return turn.workdir === folder && SESSION_ID.test(turn.sessionId) ? turn : undefined;
  }
  return undefined;
}

/** The prompt of a follow-up that starts a new session: the earlier turns (newest kept first), then the request. */
export function continuationPrompt(text: string, history: readonly ConversationTurn[]): string {
  if (history.length === 0) return text;
  const parts: string[] = [];
  let left = CONTINUATION_BUDGET;
  for (let index = history.length - 1; index >= 0 && left > 0; index -= 1) {
    const turn = history[index];
    if (!turn) continue;
    const answer = turn.answer.length > left ? `${turn.answer.slice(0, left)} […]` : turn.answer;
    left -= answer.length;
    parts.unshift(`### Job #${turn.job} (${turn.queue}) was asked\n${turn.text}\n\n### It answered\n${answer}`);
  }
  return [
    'This continues a conversation in a team chat thread. The earlier jobs of the thread, oldest first:',
    '',
    parts.join('\n\n'),
    '',
    '### The request now',
    text,
  ].join('\n');
}
