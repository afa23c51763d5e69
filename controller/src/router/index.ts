// routeJob: keywords first, the LLM when they are unsure, `local` when both fail.
// Never throws: LM Studio being down must not block an enqueue.
import { toCodedError, type Config, type Logger, type QueueName, type RoutingDecision } from '@agentops/core';
import { classifyByKeywords } from './keyword-classifier.js';
import { createLlmClassifier, type LlmClassifier } from './lm-classifier.js';

export type Router = (text: string) => Promise<RoutingDecision>;

export interface RouterOptions {
  llm?: LlmClassifier;
  logger: Logger;
  /** Counts decisions by method, for metrics. */
  onDecision?: (decision: RoutingDecision) => void;
  /** Counts LLM fallback calls by outcome, for metrics. */
  onLlmCall?: (outcome: 'ok' | 'error') => void;
}

const upper = (queue: QueueName) => queue.toUpperCase();

/** Where a job goes when neither the keywords nor the LLM decide. */
export const DEFAULT_ROUTE: RoutingDecision = {
  queue: 'local',
  method: 'default',
  confidence: 0.2,
  patterns: [],
  reason: 'no keyword decided and no LLM answer',
};

/** The decision for a job whose queue was chosen by the person (CLI --queue, API). */
export function explicitRoute(queue: QueueName): RoutingDecision {
  return { queue, method: 'explicit', confidence: 1, patterns: [] };
}

export function createRouter(options: RouterOptions): Router {
  const { logger } = options;
  const decide = (decision: RoutingDecision): RoutingDecision => {
    options.onDecision?.(decision);
    return decision;
  };
  return async (text) => {
    const verdict = classifyByKeywords(text);
    if (verdict.decided) {
      logger.info(
        {
          routed: verdict.decided.queue,
          method: 'keyword',
          queue: verdict.decided.queue,
          patterns: verdict.decided.patterns,
        },
        `[router] Keyword match: ${upper(verdict.decided.queue)}, patterns: ${verdict.decided.patterns.join(', ')}`,
      );
      return decide({ ...verdict.decided, method: 'keyword' });
    }
    const hints = (Object.keys(verdict.patterns) as QueueName[]).flatMap((queue) => verdict.patterns[queue]);
    if (options.llm) {
      try {
        const started = Date.now();
        const route = await options.llm(text);
        options.onLlmCall?.('ok');
        logger.info(
          { routed: route.queue, method: 'llm', queue: route.queue, ms: Date.now() - started },
          `[router] Low confidence, using LLM fallback -> ${route.queue}`,
        );
        return decide({ queue: route.queue, method: 'llm', confidence: 0.7, patterns: hints, reason: route.reason });
      } catch (error) {
        options.onLlmCall?.('error');
        const coded = toCodedError(error);
        logger.warn({ code: coded.code }, `[router] LLM fallback failed (${coded.message})`);
      }
    }
    if (verdict.leader) {
      const patterns = verdict.patterns[verdict.leader];
      logger.info(
        { routed: verdict.leader, method: 'keyword', weak: true, queue: verdict.leader, patterns },
        `[router] Weak keyword match: ${upper(verdict.leader)}, patterns: ${patterns.join(', ')}`,
      );
      return decide({
        queue: verdict.leader,
        method: 'keyword',
        confidence: 0.4,
        patterns,
        reason: 'single weak keyword match',
      });
    }
    logger.info(
      { routed: DEFAULT_ROUTE.queue, method: 'default', queue: DEFAULT_ROUTE.queue },
      '[router] No confident match, defaulting to local',
    );
    return decide({ ...DEFAULT_ROUTE, patterns: hints });
  };
}

/** The router as every process builds it from the configuration: keywords, then LM Studio. */
export function createConfiguredRouter(config: Config, options: Omit<RouterOptions, 'llm'>): Router {
  const { url, model, apiKey } = config.lmStudio;
  const llm = createLlmClassifier({
    url,
    timeoutMs: config.router.llmTimeoutMs,
    ...(model ? { model } : {}),
    ...(apiKey ? { apiKey } : {}),
  });
  return createRouter({ ...options, llm });
}

export { classifyByKeywords, scoreKeywords, KEYWORD_FAMILIES } from './keyword-classifier.js';
export { createLlmClassifier, parseLlmAnswer, type LlmClassifier } from './lm-classifier.js';
