// Answers Claude's API requests by the job they belong to: a test registers a
// script for a job text, and each request of that job gets the script's reply
// for its call number (1, 2, ... as the CLI goes turn by turn). Requests of
// other jobs get a plain answer that quotes the prompt.
import { lastPromptText, userTexts } from './anthropic-inspect.js';
import { reply, type ClaudeFallback, type ClaudeReply } from './anthropic-standin.js';

export interface RepliesByJob {
  /** What the stand-in's `fallback` should be. */
  fallback: ClaudeFallback;
  /** Scripts the replies to job `text`: request 1, 2, ... of that job. */
  set(text: string, script: (call: number) => ClaudeReply): void;
}

export function repliesByJob(): RepliesByJob {
  const scripts = new Map<string, (call: number) => ClaudeReply>();
  const calls = new Map<string, number>();
  return {
    fallback: (request) => {
      const texts = userTexts(request.body);
      for (const [text, script] of scripts) {
        if (!texts.includes(text)) continue;
        const call = (calls.get(text) ?? 0) + 1;
        calls.set(text, call);
        return script(call);
      }
      return reply.text(`Stand-in answer to: ${lastPromptText(request.body)}`);
    },
    set: (text, script) => {
      scripts.set(text, script);
    },
  };
}
