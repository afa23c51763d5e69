// Reading recorded Messages API requests: what the client asked, which tools
// it offered, and which tool results it sent back.
import { isRecord, recordsField } from './json.js';

export interface ToolResultBlock {
  tool_use_id: string;
  is_error: boolean;
  /** The result's text, whether sent as a string or as text blocks. */
  text: string;
}

function blocksOf(message: Record<string, unknown>): Record<string, unknown>[] {
  const content = message.content;
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return Array.isArray(content) ? content.filter(isRecord) : [];
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter(isRecord)
    .map((b) => (typeof b.text === 'string' ? b.text : ''))
    .join('\n');
}

/** Every text block of every user message, in order. */
export function userTexts(body: unknown): string[] {
  return recordsField(body, 'messages')
    .filter((m) => m.role === 'user')
    .flatMap(blocksOf)
    .filter((b) => b.type === 'text' && typeof b.text === 'string')
    .map((b) => String(b.text));
}

/**
 * The last user text block, which is where a prompt sits: the Claude CLI puts
 * its own <system-reminder> blocks before the prompt in the same message.
 */
export function lastPromptText(body: unknown): string {
  return userTexts(body).at(-1) ?? '';
}

/** Names of the tools the client offered. */
export function toolNames(body: unknown): string[] {
  return recordsField(body, 'tools')
    .map((t) => t.name)
    .filter((n): n is string => typeof n === 'string');
}

/** Every tool_result block the client sent back, in order. */
export function toolResults(body: unknown): ToolResultBlock[] {
  return recordsField(body, 'messages')
    .filter((m) => m.role === 'user')
    .flatMap(blocksOf)
    .filter((b) => b.type === 'tool_result')
    .map((b) => ({
      tool_use_id: String(b.tool_use_id),
      is_error: b.is_error === true,
      text: textOf(b.content),
    }));
}

/** The system prompt as one string, whether sent as a string or as blocks. */
export function systemText(body: unknown): string {
  return isRecord(body) ? textOf(body.system) : '';
}
