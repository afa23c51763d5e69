// The labelled job requests in tests/bench/routing-set.json, and the texts the
// Slack phases send: realistic requests the keyword router decides on its own,
// and realistic requests it leaves to the LLM.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { classifyByKeywords } from '@agentops/controller';
import type { QueueName } from '@agentops/core';
import { REPO_ROOT } from './system.js';

export interface LabelledRequest {
  text: string;
  queue: QueueName;
  ambiguous?: boolean;
  /** Written after the keyword patterns were last changed, and never used to tune them. */
  holdout?: boolean;
}

export function loadRoutingSet(): LabelledRequest[] {
  const file = path.join(REPO_ROOT, 'tests', 'bench', 'routing-set.json');
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { items: LabelledRequest[] };
  return parsed.items;
}

/** One-line requests (usable in a slash command and as a `queue:` batch line). */
function oneLine(items: readonly LabelledRequest[]): LabelledRequest[] {
  return items.filter((item) => !item.text.includes('\n') && item.text.length <= 300);
}

/** The same order on every run (a fixed-seed shuffle), with the three queues mixed throughout. */
function shuffled<T>(values: readonly T[]): T[] {
  const out = [...values];
  let seed = 0x2f6b_1a3d;
  const random = () => {
    seed = (Math.imul(seed, 1_664_525) + 1_013_904_223) >>> 0;
    return seed / 2 ** 32;
  };
  for (let index = out.length - 1; index > 0; index -= 1) {
    const other = Math.floor(random() * (index + 1));
    [out[index], out[other]] = [out[other] as T, out[index] as T];
  }
  return out;
}

/** Requests the keywords decide alone: no LLM call for these. */
export function keywordDecidedTexts(items: readonly LabelledRequest[]): string[] {
  const texts = shuffled(
    oneLine(items)
      .filter((item) => classifyByKeywords(item.text).decided)
      .map((item) => item.text),
  );
  if (texts.length === 0) throw new Error('bench: no request of the routing set is decided by keywords');
  return texts;
}

const VAGUE = [
  'can you take care of the thing we talked about on tuesday',
  'hmm, not sure what to do about the quarterly stuff',
  'need something for the offsite by friday',
  'take a look at what Anna sent this morning',
  'what do you make of the new setup',
];

/** Requests the keywords leave undecided, so each one goes to the LLM fallback. */
export function llmRoutedTexts(items: readonly LabelledRequest[]): string[] {
  const texts = shuffled(
    [...oneLine(items).map((item) => item.text), ...VAGUE].filter((text) => !classifyByKeywords(text).decided),
  );
  if (texts.length === 0) throw new Error('bench: every candidate request is decided by keywords; add undecided ones');
  return texts;
}
