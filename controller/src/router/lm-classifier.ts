// LLM fallback for routing: asks LM Studio which queue fits, with a strict
// answer format and a time limit. The only module of the controller that asks
// the chat model.
import { z } from 'zod';
import {
  AgentOpsError,
  ErrorCode,
  QUEUE_NAMES,
  createLmStudioClient,
  createModelResolver,
  describeLmError,
  type QueueName,
} from '@agentops/core';

export interface LlmRoute {
  queue: QueueName;
  reason?: string;
}

export type LlmClassifier = (text: string, signal?: AbortSignal) => Promise<LlmRoute>;

const SYSTEM_PROMPT = [
  'You route work requests to exactly one of three queues:',
  '- "code": changes to software or repositories: bugs, tests, builds, scripts, refactors, pull requests, stack traces.',
  '- "local": writing and text work a local model can do alone: summaries, drafts, emails, rewrites, translations, brainstorming.',
  '- "research": questions that need investigation and sources: comparisons, market or literature research, fact finding.',
  'Reply with JSON only, no prose: {"queue":"code"|"local"|"research","reason":"<at most 12 words>"}',
].join('\n');

const answerSchema = z.object({ queue: z.enum(QUEUE_NAMES), reason: z.string().max(300).optional() });

/** Reads the model's answer strictly: a JSON object, or a single queue word. */
export function parseLlmAnswer(raw: string): LlmRoute | undefined {
  const trimmed = raw.trim().replace(/^```(?:json)?\s*|\s*```$/g, '');
  const word = /^"?(code|local|research)"?\.?$/i.exec(trimmed);
  if (word?.[1]) return { queue: word[1].toLowerCase() as QueueName };
  const start = trimmed.indexOf('{');
  const end = trimmed.lastIndexOf('}');
  if (start === -1 || end <= start) return undefined;
  try {
    const parsed = answerSchema.safeParse(JSON.parse(trimmed.slice(start, end + 1)));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export interface LlmClassifierOptions {
  url: string;
  model?: string;
  timeoutMs: number;
  /** config.lmStudio.apiKey; LM Studio needs none by default. */
  apiKey?: string;
}

export function createLlmClassifier(options: LlmClassifierOptions): LlmClassifier {
  const client = createLmStudioClient({
    url: options.url,
    maxRetries: 0,
    timeoutMs: options.timeoutMs,
    ...(options.apiKey ? { apiKey: options.apiKey } : {}),
  });
  const resolveModel = createModelResolver(client, options.url, options.model);
  return async (text, signal) => {
    const timeout = AbortSignal.timeout(options.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    try {
      const model = await resolveModel(combined);
      const completion = await client.chat.completions.create(
        {
          model,
          temperature: 0,
          max_tokens: 80,
          messages: [
            { role: 'system', content: SYSTEM_PROMPT },
            { role: 'user', content: text.slice(0, 4_000) },
          ],
        },
        { signal: combined },
      );
      const content = completion.choices?.[0]?.message?.content ?? '';
      const route = parseLlmAnswer(content);
      if (!route) {
        throw new AgentOpsError(
          ErrorCode.LlmBadAnswer,
          `LM Studio answered something other than a queue name: ${JSON.stringify(content.slice(0, 80))}`,
        );
      }
      return route;
    } catch (error) {
      if (timeout.aborted && !signal?.aborted) {
        throw new AgentOpsError(ErrorCode.Timeout, `LM Studio did not classify within ${options.timeoutMs} ms`, {
          cause: error,
        });
      }
      throw describeLmError(error, options.url);
    }
  };
}
