// 6. Routing: how fast the keyword classifier is, and how well it routes the
// labelled requests of routing-set.json on its own and with a perfect fallback.
import { classifyByKeywords } from '@agentops/controller';
import { QUEUE_NAMES, type QueueName } from '@agentops/core';
import type { BenchContext, PhaseResult } from '../lib/context.js';
import { loadRoutingSet, type LabelledRequest } from '../lib/routing-set.js';
import { summarize } from '../lib/stats.js';

const SECTION = '6 Routing';

function classificationsPerSecond(texts: readonly string[], durationMs: number): number {
  let count = 0;
  const started = performance.now();
  let elapsed = 0;
  while (elapsed < durationMs) {
    for (const text of texts) classifyByKeywords(text);
    count += texts.length;
    elapsed = performance.now() - started;
  }
  return count / (elapsed / 1_000);
}

export interface RoutingQuality {
  total: number;
  decided: number;
  decidedCorrect: number;
  /** Keyword accuracy on the requests the keywords decide. */
  keywordAccuracy: number;
  fallbackShare: number;
  /** Decided requests as the keywords route them, every other one right (a fallback that never errs). */
  perfectFallbackAccuracy: number;
  /** LM Studio down: decided, else the weak leader, else local. */
  noLlmAccuracy: number;
  confusion: Record<QueueName, Record<QueueName | 'llm', number>>;
  misrouted: { text: string; expected: QueueName; got: QueueName; patterns: string[] }[];
  undecided: { text: string; expected: QueueName; scores: Record<QueueName, number> }[];
}

export function routingQuality(items: readonly LabelledRequest[]): RoutingQuality {
  const confusion = Object.fromEntries(
    QUEUE_NAMES.map((queue) => [queue, { code: 0, local: 0, research: 0, llm: 0 }]),
  ) as RoutingQuality['confusion'];
  const misrouted: RoutingQuality['misrouted'] = [];
  const undecided: RoutingQuality['undecided'] = [];
  let decided = 0;
  let decidedCorrect = 0;
  let noLlmCorrect = 0;
  for (const item of items) {
    const verdict = classifyByKeywords(item.text);
    if (verdict.decided) {
      decided += 1;
      confusion[item.queue][verdict.decided.queue] += 1;
      if (verdict.decided.queue === item.queue) decidedCorrect += 1;
      else
        misrouted.push({
          text: item.text,
          expected: item.queue,
          got: verdict.decided.queue,
          patterns: verdict.decided.patterns,
        });
    } else {
      confusion[item.queue].llm += 1;
      undecided.push({ text: item.text, expected: item.queue, scores: verdict.scores });
    }
    const withoutLlm = verdict.decided?.queue ?? verdict.leader ?? 'local';
    if (withoutLlm === item.queue) noLlmCorrect += 1;
  }
  const total = items.length;
  return {
    total,
    decided,
    decidedCorrect,
    keywordAccuracy: decided ? decidedCorrect / decided : 0,
    fallbackShare: (total - decided) / total,
    perfectFallbackAccuracy: (decidedCorrect + (total - decided)) / total,
    noLlmAccuracy: noLlmCorrect / total,
    confusion,
    misrouted,
    undecided,
  };
}

export async function routingPhase(ctx: BenchContext): Promise<PhaseResult> {
  const items = loadRoutingSet();
  const texts = items.map((item) => item.text);
  const runs = ctx.settings.quick ? 3 : 5;
  classificationsPerSecond(texts, 300); // warm-up: JIT and regex compilation
  const speeds: number[] = [];
  for (let run = 0; run < runs; run += 1) speeds.push(classificationsPerSecond(texts, ctx.settings.quick ? 300 : 600));
  const quality = routingQuality(items);
  const clear = routingQuality(items.filter((item) => !item.ambiguous));
  const holdout = routingQuality(items.filter((item) => item.holdout));
  const fixed = (value: number) => summarize([value]);
  const percent = (value: number) => fixed(value * 100);
  const deterministic = 'deterministic: same set, same answer every run';
  return {
    figures: [
      {
        id: 'routing.speed',
        section: SECTION,
        label: 'keyword classifications per second',
        unit: '/s',
        summary: summarize(speeds),
        note: `${items.length} requests, one thread`,
      },
      {
        id: 'routing.keyword_accuracy',
        section: SECTION,
        label: `keyword accuracy on decided (${quality.decidedCorrect}/${quality.decided})`,
        unit: '%',
        summary: percent(quality.keywordAccuracy),
        target: { op: '>=', value: 90 },
        note: deterministic,
      },
      {
        id: 'routing.fallback_share',
        section: SECTION,
        label: `share sent to LLM fallback (${quality.total - quality.decided}/${quality.total})`,
        unit: '%',
        summary: percent(quality.fallbackShare),
        target: { op: '<', value: 35 },
        note: deterministic,
      },
      {
        id: 'routing.perfect_fallback_accuracy',
        section: SECTION,
        label: 'accuracy with an always-right fallback',
        unit: '%',
        summary: percent(quality.perfectFallbackAccuracy),
        note: deterministic,
      },
      {
        id: 'routing.holdout.keyword_accuracy',
        section: SECTION,
        label: `holdout only: keyword accuracy on decided (${holdout.decidedCorrect}/${holdout.decided})`,
        unit: '%',
        summary: percent(holdout.keywordAccuracy),
        note: 'requests never used to tune the patterns',
      },
      {
        id: 'routing.holdout.fallback_share',
        section: SECTION,
        label: `holdout only: share sent to LLM fallback (${holdout.total - holdout.decided}/${holdout.total})`,
        unit: '%',
        summary: percent(holdout.fallbackShare),
        note: 'requests never used to tune the patterns',
      },
      {
        id: 'routing.no_llm_accuracy',
        section: SECTION,
        label: 'accuracy with LM Studio down (weak leader, else local)',
        unit: '%',
        summary: percent(quality.noLlmAccuracy),
        note: deterministic,
      },
    ],
    details: {
      setSize: items.length,
      perQueue: Object.fromEntries(
        QUEUE_NAMES.map((queue) => [queue, items.filter((item) => item.queue === queue).length]),
      ),
      ambiguous: items.filter((item) => item.ambiguous).length,
      holdoutItems: items.filter((item) => item.holdout).length,
      all: quality,
      holdout: {
        keywordAccuracy: holdout.keywordAccuracy,
        fallbackShare: holdout.fallbackShare,
        perfectFallbackAccuracy: holdout.perfectFallbackAccuracy,
        decided: holdout.decided,
        total: holdout.total,
        misrouted: holdout.misrouted,
      },
      withoutAmbiguous: {
        keywordAccuracy: clear.keywordAccuracy,
        fallbackShare: clear.fallbackShare,
        perfectFallbackAccuracy: clear.perfectFallbackAccuracy,
        decided: clear.decided,
        total: clear.total,
      },
    },
  };
}
