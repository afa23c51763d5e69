// Answers Claude's API requests by the job they belong to: a test registers a
// script for a job text, and each request of that job gets the script's reply
// for its call number (1, 2, ... as the CLI goes turn by turn), and may read
// the request (say, to repeat the tool results it carries, as a model that
// quotes what it read would). Requests of other jobs get a plain answer that
// quotes the prompt.
import { lastPromptText, userTexts } from './anthropic-inspect.js';
import { reply, type ClaudeFallback, type ClaudeReply } from './anthropic-standin.js';
import type { RecordedRequest } from './http-standin.js';

/** The reply to request `call` (1, 2, ...) of one job; `request` is that request. */
export type JobScript = (call: number, request: RecordedRequest) => ClaudeReply;

export interface RepliesByJob {
  /** What the stand-in's `fallback` should be. */
  fallback: ClaudeFallback;
  /** Scripts the replies to job `text`: request 1, 2, ... of that job. */
  set(text: string, script: JobScript): void;
}

export function repliesByJob(): RepliesByJob {
  const scripts = new Map<string, JobScript>();
  const calls = new Map<string, number>();
  return {
    fallback: (request) => {
      const texts = userTexts(request.body);
      for (const [text, script] of scripts) {
        if (!texts.includes(text)) continue;
        const call = (calls.get(text) ?? 0) + 1;
        calls.set(text, call);
        return script(call, request);
      }
      return reply.text(`Stand-in answer to: ${lastPromptText(request.body)}`);
    },
    set: (text, script) => {
      scripts.set(text, script);
    },
  };
}
