// The private question before a bulk retry or cancel (the count, what is
// skipped, Confirm and Never mind carrying the question's token), and the
// answer once it is done. Pure.
import { ACTION_IDS, bulkButtonValue, escapeMrkdwn } from '@agentops/core';
import { bulkQuestionText, bulkResultText, type BulkQuestion, type BulkResult } from '../../commands/bulk.js';
import { button, context, section, withinLimits, type ControllerMessage } from './blocks.js';

export function bulkQuestionMessage(question: BulkQuestion): ControllerMessage {
  const text = escapeMrkdwn(bulkQuestionText(question));
  if (question.ids.length === 0) return withinLimits({ text, blocks: [section(`:information_source: ${text}`)] });
  const value = bulkButtonValue(question.token);
  const verb = question.action === 'retry' ? 'Retry' : 'Cancel';
  return withinLimits({
    text,
    blocks: [
      section(`:warning: ${text}`),
      {
        type: 'actions',
        block_id: `agentops_bulk_${question.token.slice(0, 8)}`,
        elements: [
          button(
            `${verb} ${question.ids.length}`,
            ACTION_IDS.bulkConfirm,
            value,
            question.action === 'cancel' ? 'danger' : 'primary',
          ),
          button('Never mind', ACTION_IDS.bulkDismiss, value),
        ],
      },
      context(`The question lasts ${Math.round(question.expiresInMs / 60_000)} minutes and covers exactly these jobs.`),
    ],
  });
}

export function bulkResultMessage(result: BulkResult): ControllerMessage {
  const text = escapeMrkdwn(bulkResultText(result));
  return withinLimits({ text, blocks: [section(`:repeat: ${text}`)] });
}
