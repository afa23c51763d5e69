// Reading the answer out of an LM Studio chat completion.
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@agentops/core';
import { decideFailure, readLmAnswer } from '@agentops/worker-kit';

const URL = 'http://localhost:1234/v1';
const completion = (content: unknown, finish = 'stop') => ({
  model: 'qwen-7b',
  choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: finish }],
});

describe('readLmAnswer', () => {
  it('returns the answer and the model that wrote it', () => {
    expect(readLmAnswer(completion('  Hello.  '), URL)).toEqual({ text: 'Hello.', model: 'qwen-7b', truncated: false });
  });

  it("leaves out a reasoning model's leading thoughts", () => {
    expect(readLmAnswer(completion('<think>let me see</think>\n\nThe answer.'), URL).text).toBe('The answer.');
  });

  it('notices an answer cut off at the output limit', () => {
    expect(readLmAnswer(completion('Partial', 'length'), URL).truncated).toBe(true);
  });

  it.each([
    ['an empty answer', completion('   ')],
    ['only thoughts', completion('<think>hmm</think>')],
    ['no content', completion(null)],
    ['choices that are not a list', { choices: 'not-a-list' }],
    ['no body at all', undefined],
  ])('refuses %s with a coded, non-retryable error', (_label, body) => {
    let thrown: unknown;
    try {
      readLmAnswer(body, URL);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: ErrorCode.LlmBadAnswer });
    expect((thrown as Error).message).toContain(URL);
    expect(decideFailure(thrown).retry).toBe(false);
  });
});
