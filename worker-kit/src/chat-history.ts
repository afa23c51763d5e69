// A local follow-up's conversation as chat messages: the thread's earlier
// turns (the job texts and answers AgentOps stored, not Slack history), newest
// kept first, within a token budget (LOCAL_HISTORY_BUDGET). Pure. Tokens are
// estimated at four characters each, which is close for English prose and
// errs on the side of sending less; a turn that does not fit whole is left
// out rather than cut in the middle.
import type { ConversationTurn } from '@agentops/core';

export interface ChatTurn {
  role: 'user' | 'assistant';
  content: string;
}

/** Characters per token, for the budget. */
export const CHARS_PER_TOKEN = 4;

export function estimateTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

/** The turns that fit in `budgetTokens`, oldest first, as user/assistant pairs. */
export function historyMessages(turns: readonly ConversationTurn[], budgetTokens: number): ChatTurn[] {
  const kept: ChatTurn[][] = [];
  let left = budgetTokens;
  for (let index = turns.length - 1; index >= 0; index -= 1) {
    const turn = turns[index];
    if (!turn?.answer) continue;
    const cost = estimateTokens(turn.text) + estimateTokens(turn.answer);
    if (cost > left) break;
    left -= cost;
    kept.unshift([
      { role: 'user', content: turn.text },
      { role: 'assistant', content: turn.answer },
    ]);
  }
  return kept.flat();
}
