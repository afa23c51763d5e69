// LM Studio through the official openai client: one place that builds the client,
// picks the model and turns failures into errors that say what to do.
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { AgentOpsError, ErrorCode, systemErrorCode } from './errors.js';

export { OpenAI };

export interface LmStudioOptions {
  url: string;
  /** Client-side retries; 0 where a caller has its own policy (router, BullMQ). */
  maxRetries?: number;
  timeoutMs?: number;
  /** config.lmStudio.apiKey; LM Studio needs none by default. */
  apiKey?: string;
}

export function createLmStudioClient(options: LmStudioOptions): OpenAI {
  return new OpenAI({
    baseURL: options.url,
    // LM Studio needs no key; the client insists on one.
    apiKey: options.apiKey ?? 'lm-studio',
    maxRetries: options.maxRetries ?? 0,
    timeout: options.timeoutMs ?? 60_000,
  });
}

/**
 * The configured model, or the first one the server lists. Cached per client
 * for `ttlMs` so a busy router does not list models for every job.
 */
export function createModelResolver(client: OpenAI, url: string, configured?: string, ttlMs = 60_000) {
  let cached: { model: string; at: number } | undefined;
  return async (signal?: AbortSignal): Promise<string> => {
    if (configured) return configured;
    if (cached && Date.now() - cached.at < ttlMs) return cached.model;
    try {
      const page = await client.models.list({ signal });
      const first = page.data.find((model) => !/embed/i.test(model.id)) ?? page.data[0];
      if (!first) {
        throw new AgentOpsError(
          ErrorCode.LlmNoModel,
          `LM Studio at ${url} has no model loaded: load a chat model in LM Studio, or set LM_STUDIO_MODEL`,
          { retryable: false },
        );
      }
      cached = { model: first.id, at: Date.now() };
      return first.id;
    } catch (error) {
      throw describeLmError(error, url);
    }
  };
}

/** Maps anything the openai client throws onto a coded error with a fix. */
export function describeLmError(error: unknown, url: string): AgentOpsError {
  if (error instanceof AgentOpsError) return error;
  if (error instanceof APIUserAbortError || (error instanceof Error && error.name === 'AbortError')) {
    return new AgentOpsError(ErrorCode.Cancelled, 'The LM Studio request was aborted', { cause: error });
  }
  if (error instanceof APIConnectionTimeoutError) {
    return new AgentOpsError(
      ErrorCode.Timeout,
      `LM Studio at ${url} did not answer in time: check that a model is loaded and not busy`,
      {
        cause: error,
        retryable: true,
      },
    );
  }
  if (error instanceof APIConnectionError) {
    const reason = systemErrorCode(error) ?? 'connection failed';
    return new AgentOpsError(
      ErrorCode.LlmUnavailable,
      `LM Studio is not reachable at ${url} (${reason}): start its server or set LM_STUDIO_URL`,
      {
        cause: error,
        retryable: true,
      },
    );
  }
  if (error instanceof APIError) {
    const status = error.status ?? 0;
    if (status === 404) {
      return new AgentOpsError(
        ErrorCode.LlmNoModel,
        `LM Studio at ${url} answered 404 (${error.message}): load the model in LM Studio or fix LM_STUDIO_MODEL`,
        { cause: error },
      );
    }
    const retryable = status === 408 || status === 429 || status >= 500;
    return new AgentOpsError(
      retryable ? ErrorCode.LlmUnavailable : ErrorCode.LlmBadAnswer,
      `LM Studio at ${url} answered HTTP ${status}: ${error.message}`,
      { cause: error, retryable, details: { status } },
    );
  }
  if (error instanceof SyntaxError) {
    return new AgentOpsError(
      ErrorCode.LlmBadAnswer,
      `LM Studio at ${url} sent a response that is not valid JSON: check that LM_STUDIO_URL points at LM Studio's OpenAI-compatible server (…/v1)`,
      { cause: error },
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return new AgentOpsError(ErrorCode.LlmUnavailable, `LM Studio request to ${url} failed: ${message}`, {
    cause: error,
    retryable: true,
  });
}
