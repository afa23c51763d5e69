// One chat completion in LM Studio for one job, through the official openai
// client: the local worker's whole job, and the research worker's when
// RESEARCH_ENGINE=local. Failures come out coded: unreachable, 429 and 5xx
// are retryable (describeLmError); an unusable answer is LLM_BAD_ANSWER, which
// waiting does not fix.
import {
  AgentOpsError,
  createLmStudioClient,
  createModelResolver,
  describeLmError,
  ErrorCode,
  type Config,
  type JobResult,
  type ProgressUpdate,
  type QueueName,
} from '@agentops/core';
import type { Processor } from './runtime/runtime.js';
import { historyMessages, type ChatTurn } from './chat-history.js';

export interface LmChatOptions {
  /** config.lmStudio.url */
  url: string;
  /** config.lmStudio.model; without it, the first chat model LM Studio lists. */
  model?: string;
  systemPrompt: string;
  /**
   * Client-side limit for one request. Set it above the queue's time limit:
   * the runtime's limit should be what stops a slow job, with its clearer message.
   */
  requestTimeoutMs: number;
  temperature?: number;
  /** config.lmStudio.apiKey; LM Studio needs none by default. */
  apiKey?: string;
}

export interface LmChatRequest {
  text: string;
  /** Earlier turns of the job's thread, oldest first (chat-history.ts). */
  history?: readonly ChatTurn[];
  /** The runtime's signal: cancel, time limit and shutdown abort the HTTP request. */
  signal: AbortSignal;
  progress?: (update: ProgressUpdate) => void;
}

export type LmChat = (request: LmChatRequest) => Promise<JobResult>;

export interface LmAnswer {
  text: string;
  /** The model that answered, as the server names it. */
  model?: string;
  /** The model hit its output limit (finish_reason "length"). */
  truncated: boolean;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Reasoning models loaded in LM Studio may put their thinking in front of the answer; it is not for the reader. */
const LEADING_THOUGHTS = /^\s*<think>[\s\S]*?<\/think>/;

const TRUNCATED_NOTE =
  '\n\n_(The model stopped at its output limit, so this answer may be cut short: ask for less, or raise the maximum response length in LM Studio.)_';

/** The answer in a chat completion body; LLM_BAD_ANSWER when there is none. Pure. */
export function readLmAnswer(completion: unknown, url: string): LmAnswer {
  const choices = isRecord(completion) ? completion.choices : undefined;
  const choice: unknown = Array.isArray(choices) ? choices[0] : undefined;
  const message = isRecord(choice) ? choice.message : undefined;
  const content = isRecord(message) ? message.content : undefined;
  const model =
    isRecord(completion) && typeof completion.model === 'string' && completion.model ? completion.model : undefined;
  if (typeof content !== 'string') {
    throw new AgentOpsError(
      ErrorCode.LlmBadAnswer,
      `LM Studio at ${url} sent a chat completion without an answer (no choices[0].message.content): check that LM_STUDIO_URL points at LM Studio's OpenAI-compatible server (…/v1)`,
      { details: { model } },
    );
  }
  const text = content.replace(LEADING_THOUGHTS, '').trim();
  if (text === '') {
    throw new AgentOpsError(
      ErrorCode.LlmBadAnswer,
      `${model ? `The model ${model}` : 'The model'} at ${url} returned an empty answer: rephrase the request, or load another chat model in LM Studio`,
      { details: { model } },
    );
  }
  const truncated = isRecord(choice) && choice.finish_reason === 'length';
  return { text, truncated, ...(model ? { model } : {}) };
}

export function createLmChat(options: LmChatOptions): LmChat {
  // No client retries: BullMQ retries the job with its backoff, and the runtime's signal ends the request.
  const client = createLmStudioClient({
    url: options.url,
    maxRetries: 0,
    timeoutMs: options.requestTimeoutMs,
    ...(options.apiKey ? { apiKey: options.apiKey } : {}),
  });
  const resolveModel = createModelResolver(client, options.url, options.model);
  return async ({ text, signal, progress, history = [] }) => {
    const started = Date.now();
    const model = await resolveModel(signal);
    progress?.({ step: `Asking ${model}` });
    let completion: unknown;
    try {
      completion = await client.chat.completions.create(
        {
          model,
          messages: [{ role: 'system', content: options.systemPrompt }, ...history, { role: 'user', content: text }],
          ...(options.temperature === undefined ? {} : { temperature: options.temperature }),
        },
        { signal },
      );
    } catch (error) {
      throw describeLmError(error, options.url);
    }
    const answer = readLmAnswer(completion, options.url);
    return {
      text: answer.truncated ? `${answer.text}${TRUNCATED_NOTE}` : answer.text,
      stats: { model: answer.model ?? model, durationMs: Date.now() - started },
    };
  };
}

/** A job processor that answers with one LM Studio chat completion under `systemPrompt`. */
export function createLmChatProcessor(config: Config, queue: QueueName, systemPrompt: string): Processor {
  const chat = createLmChat({
    url: config.lmStudio.url,
    ...(config.lmStudio.model ? { model: config.lmStudio.model } : {}),
    ...(config.lmStudio.apiKey ? { apiKey: config.lmStudio.apiKey } : {}),
    systemPrompt,
    // Beyond the queue's time limit, so that limit (and its message) ends a slow request first.
    requestTimeoutMs: config.workers[queue].timeoutMs + 10_000,
  });
  const budget = config.conversations.localHistoryTokens;
  return ({ data, signal, progress, history }) =>
    chat({ text: data.text, signal, progress, history: historyMessages(history, budget) });
}
