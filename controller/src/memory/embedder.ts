// Text to vector through LM Studio's OpenAI-compatible /v1/embeddings, with the
// official openai client. The model is LM_STUDIO_EMBEDDING_MODEL, else the first
// listed model whose id contains "embed".
import { createLmStudioClient, describeLmError, ErrorCode } from '@agentops/core';
import { isMemoryError, memoryError, type MemoryError } from './collection.js';

export interface Embedder {
  /** One vector for `text`; rejects with EMBEDDING_FAILED. */
  embed(text: string, signal?: AbortSignal): Promise<number[]>;
}

export interface EmbedderOptions {
  url: string;
  model?: string;
  timeoutMs?: number;
  /** config.lmStudio.apiKey; LM Studio needs none by default. */
  apiKey?: string;
  /** How long a looked-up model id is trusted before listing models again. */
  modelTtlMs?: number;
}

function failed(message: string, cause?: unknown): MemoryError {
  return memoryError(ErrorCode.EmbeddingFailed, message, cause);
}

export function createEmbedder(options: EmbedderOptions): Embedder {
  const client = createLmStudioClient({
    url: options.url,
    timeoutMs: options.timeoutMs ?? 10_000,
    maxRetries: 0,
    ...(options.apiKey ? { apiKey: options.apiKey } : {}),
  });
  const ttl = options.modelTtlMs ?? 60_000;
  let cached: { model: string; at: number } | undefined;

  const resolveModel = async (signal?: AbortSignal): Promise<string> => {
    if (options.model) return options.model;
    if (cached && Date.now() - cached.at < ttl) return cached.model;
    const page = await client.models.list({ signal });
    const found = page.data.find((model) => /embed/i.test(model.id));
    if (!found) {
      throw failed(
        `LM Studio at ${options.url} lists no embedding model (${page.data.map((model) => model.id).join(', ') || 'no models'}): ` +
          'load one such as nomic-embed-text-v1.5, or set LM_STUDIO_EMBEDDING_MODEL',
      );
    }
    cached = { model: found.id, at: Date.now() };
    return found.id;
  };

  return {
    async embed(text, signal) {
      try {
        const model = await resolveModel(signal);
        // Floats, not the client's default base64: LM Studio versions differ in base64 support.
        const response = await client.embeddings.create({ model, input: text, encoding_format: 'float' }, { signal });
        const vector = response.data[0]?.embedding;
        if (!Array.isArray(vector) || vector.length === 0 || !vector.every((value) => Number.isFinite(value))) {
          throw failed(
            `LM Studio at ${options.url} answered /embeddings without a vector for model ${model}: load an embedding model, not a chat model`,
          );
        }
        return vector;
      } catch (error) {
        if (isMemoryError(error)) throw error;
        cached = undefined;
        // The shared wording names the chat model's variable; here the embedding model's is the fix.
        throw failed(
          describeLmError(error, options.url).message.replace(/\bLM_STUDIO_MODEL\b/, 'LM_STUDIO_EMBEDDING_MODEL'),
          error,
        );
      }
    },
  };
}
