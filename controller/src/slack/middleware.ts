// Who and what the Slack app serves. Pure: the handlers ask, these answer.
import type { QueueName } from '@agentops/shared';

export interface ServedScope {
  channelId: string;
  botUserId?: string;
  botId?: string;
}

export interface MessageLike {
  channel?: string;
  user?: string;
  bot_id?: string;
  subtype?: string;
  text?: string;
  app_id?: string;
}

export type MessageVerdict = { handle: true } | { handle: false; reason: 'other_channel' | 'bot' | 'own_message' | 'subtype' | 'no_user' };

/**
 * Only people's new messages in the served channel become jobs: never the bot's
 * own posts (Slack echoes them back), other bots, or edits, deletions and joins.
 */
export function classifyMessage(message: MessageLike, scope: ServedScope): MessageVerdict {
  if (message.channel !== scope.channelId) return { handle: false, reason: 'other_channel' };
  if (message.subtype !== undefined && message.subtype !== 'thread_broadcast') return { handle: false, reason: 'subtype' };
  if (scope.botUserId !== undefined && message.user === scope.botUserId) return { handle: false, reason: 'own_message' };
  if (message.bot_id !== undefined || (scope.botId !== undefined && message.bot_id === scope.botId)) return { handle: false, reason: 'bot' };
  if (!message.user) return { handle: false, reason: 'no_user' };
  return { handle: true };
}

export function isServedChannel(channel: string | undefined, scope: ServedScope): boolean {
  return channel === scope.channelId;
}

export interface AccessRules {
  /** Empty: everyone in the channel. */
  allowedUsers: readonly string[];
  /** Empty: everyone allowed above. */
  codeAllowedUsers: readonly string[];
}

export type AccessVerdict = { allowed: true } | { allowed: false; message: string };

/** May `user` queue jobs and use queue controls at all? */
export function checkUser(user: string, rules: AccessRules): AccessVerdict {
  if (rules.allowedUsers.length === 0 || rules.allowedUsers.includes(user)) return { allowed: true };
  return { allowed: false, message: 'You are not on this AgentOps allow list (ALLOWED_USERS), so I cannot act on your request. Ask the owner of this workstation to add you.' };
}

/** May `user` put a job on `queue`? Code jobs run on the workstation and have their own list. */
export function checkQueue(user: string, queue: QueueName, rules: AccessRules): AccessVerdict {
  const base = checkUser(user, rules);
  if (!base.allowed || queue !== 'code') return base;
  if (rules.codeAllowedUsers.length === 0 || rules.codeAllowedUsers.includes(user)) return { allowed: true };
  return {
    allowed: false,
    message: 'This job was routed to the *code* queue, which runs Claude Code on the workstation, and you are not on its allow list (CODE_ALLOWED_USERS). Nothing was queued. Ask the owner to add you, or rephrase it as a writing or research task.',
  };
}
