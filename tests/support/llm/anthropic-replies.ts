// Scripted answers for the Anthropic stand-in, and how each becomes the
// Messages API's wire format: a streamed sequence of server-sent events
// (message_start, content_block_start/delta/stop, message_delta, message_stop)
// or, for a non-streaming request, one message object.
import { randomUUID } from 'node:crypto';

export interface ReplyUsage {
  input_tokens?: number;
  output_tokens?: number;
}

export type ClaudeReply =
  | { kind: 'text'; text: string; usage?: ReplyUsage }
  | {
      kind: 'tool_use';
      id: string;
      name: string;
      input: Record<string, unknown>;
      /** Text the model "says" before calling the tool. */
      text?: string;
      usage?: ReplyUsage;
    }
  | { kind: 'error'; status: number; type: string; message: string; headers?: Record<string, string> }
  | { kind: 'hang' }
  | { kind: 'stall'; text: string }
  | { kind: 'delay'; ms: number; then: ClaudeReply };

/** Builders for script entries: `standin.enqueue(reply.toolUse({...}), reply.text('done'))`. */
export const reply = {
  /** A final answer: stop_reason end_turn. */
  text(text: string, usage?: ReplyUsage): ClaudeReply {
    return usage ? { kind: 'text', text, usage } : { kind: 'text', text };
  },
  /** A tool call: stop_reason tool_use; the CLI runs the tool and sends a tool_result next. */
  toolUse(call: {
    name: string;
    input: Record<string, unknown>;
    id?: string;
    text?: string;
    usage?: ReplyUsage;
  }): ClaudeReply {
    return {
      kind: 'tool_use',
      id: call.id ?? `toolu_${randomUUID().replaceAll('-', '').slice(0, 24)}`,
      name: call.name,
      input: call.input,
      ...(call.text === undefined ? {} : { text: call.text }),
      ...(call.usage === undefined ? {} : { usage: call.usage }),
    };
  },
  /**
   * An HTTP error with the API's error body. Typical: 400 invalid_request_error,
   * 401 authentication_error, 429 rate_limit_error, 500 api_error, 529 overloaded_error.
   */
  error(status: number, type: string, message: string, headers?: Record<string, string>): ClaudeReply {
    return headers ? { kind: 'error', status, type, message, headers } : { kind: 'error', status, type, message };
  },
  /** Status 200 and SSE headers, then nothing until the client gives up. */
  hang(): ClaudeReply {
    return { kind: 'hang' };
  },
  /** A stream that starts (message_start, the first text) and then goes silent, as a stuck model would. */
  stall(text = 'Thinking about it'): ClaudeReply {
    return { kind: 'stall', text };
  },
  delay(ms: number, then: ClaudeReply): ClaudeReply {
    return { kind: 'delay', ms, then };
  },
} as const;

export interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

type ContentReply = Extract<ClaudeReply, { kind: 'text' | 'tool_use' }>;

interface Rendering {
  model: string;
  /** Used when the reply does not fix its own usage. */
  inputTokens: number;
}

/** The content blocks a reply stands for, as they appear in a finished message. */
function contentBlocks(r: ContentReply): Record<string, unknown>[] {
  if (r.kind === 'text') return [{ type: 'text', text: r.text }];
  const toolBlock = { type: 'tool_use', id: r.id, name: r.name, input: r.input };
  return r.text === undefined ? [toolBlock] : [{ type: 'text', text: r.text }, toolBlock];
}

function usageOf(r: ContentReply, rendering: Rendering): { input: number; output: number } {
  const produced = r.kind === 'text' ? r.text : `${r.text ?? ''}${JSON.stringify(r.input)}`;
  return {
    input: r.usage?.input_tokens ?? rendering.inputTokens,
    output: r.usage?.output_tokens ?? Math.max(1, Math.ceil(produced.length / 4)),
  };
}

function stopReason(r: ContentReply): string {
  return r.kind === 'tool_use' ? 'tool_use' : 'end_turn';
}

export function newMessageId(): string {
  return `msg_${randomUUID().replaceAll('-', '').slice(0, 24)}`;
}

/** The whole message, for a request without `stream: true`. */
export function messageObject(r: ContentReply, rendering: Rendering): Record<string, unknown> {
  const usage = usageOf(r, rendering);
  return {
    id: newMessageId(),
    type: 'message',
    role: 'assistant',
    model: rendering.model,
    content: contentBlocks(r),
    stop_reason: stopReason(r),
    stop_sequence: null,
    usage: {
      input_tokens: usage.input,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      output_tokens: usage.output,
    },
  };
}

/** The opening of a text answer's stream, cut off before the text block or message ends. */
export function stalledEvents(text: string, rendering: Rendering): SseEvent[] {
  const started = messageEvents({ kind: 'text', text }, rendering);
  const firstDelta = started.findIndex((e) => e.event === 'content_block_delta');
  return started.slice(0, firstDelta + 1);
}

/** The event stream for a streamed request, in the order the API sends it. */
export function messageEvents(r: ContentReply, rendering: Rendering): SseEvent[] {
  const usage = usageOf(r, rendering);
  const events: SseEvent[] = [
    {
      event: 'message_start',
      data: {
        type: 'message_start',
        message: {
          id: newMessageId(),
          type: 'message',
          role: 'assistant',
          model: rendering.model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: {
            input_tokens: usage.input,
            cache_creation_input_tokens: 0,
            cache_read_input_tokens: 0,
            output_tokens: 1,
          },
        },
      },
    },
    { event: 'ping', data: { type: 'ping' } },
  ];
  contentBlocks(r).forEach((block, index) => {
    events.push(...blockEvents(block, index));
  });
  events.push(
    {
      event: 'message_delta',
      data: {
        type: 'message_delta',
        delta: { stop_reason: stopReason(r), stop_sequence: null },
        // The API reports cumulative output tokens here; clients take these for the cost.
        usage: { output_tokens: usage.output },
      },
    },
    { event: 'message_stop', data: { type: 'message_stop' } },
  );
  return events;
}

function blockEvents(block: Record<string, unknown>, index: number): SseEvent[] {
  const events: SseEvent[] = [];
  if (block.type === 'text') {
    const text = String(block.text);
    events.push({
      event: 'content_block_start',
      data: { type: 'content_block_start', index, content_block: { type: 'text', text: '' } },
    });
    for (const piece of splitInPieces(text)) {
      events.push({
        event: 'content_block_delta',
        data: { type: 'content_block_delta', index, delta: { type: 'text_delta', text: piece } },
      });
    }
  } else {
    // Tool input arrives as JSON text in pieces; the block starts with an empty input.
    events.push({
      event: 'content_block_start',
      data: {
        type: 'content_block_start',
        index,
        content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} },
      },
    });
    for (const piece of ['', ...splitInPieces(JSON.stringify(block.input))]) {
      events.push({
        event: 'content_block_delta',
        data: { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: piece } },
      });
    }
  }
  events.push({ event: 'content_block_stop', data: { type: 'content_block_stop', index } });
  return events;
}

/** Two or three pieces, so a client that does not join deltas shows it. */
function splitInPieces(text: string): string[] {
  if (text.length < 4) return [text];
  const third = Math.ceil(text.length / 3);
  return [text.slice(0, third), text.slice(third, 2 * third), text.slice(2 * third)].filter((p) => p.length > 0);
}

export function errorBody(type: string, message: string): Record<string, unknown> {
  return { type: 'error', error: { type, message }, request_id: `req_standin_${randomUUID().slice(0, 8)}` };
}
