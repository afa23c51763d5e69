// Tool calls as progress steps a person reads in the thread.
import { describe, expect, it } from 'vitest';
import { createLineSplitter, describeToolUse, parseStreamLine } from '@agentops/worker-kit';

const CWD = '/work/repo';

describe('describeToolUse', () => {
  it.each([
    ['Edit', { file_path: '/work/repo/src/app.ts', old_string: 'a', new_string: 'b' }, 'Editing src/app.ts'],
    ['MultiEdit', { file_path: '/work/repo/src/app.ts', edits: [] }, 'Editing src/app.ts'],
    ['Write', { file_path: '/work/repo/notes.md', content: 'x' }, 'Writing notes.md'],
    ['Read', { file_path: '/work/repo/README.md' }, 'Reading README.md'],
    ['Read', { file_path: '/etc/hosts' }, 'Reading /etc/hosts'],
    ['NotebookEdit', { notebook_path: '/work/repo/a.ipynb', new_source: '' }, 'Editing notebook a.ipynb'],
    ['Bash', { command: 'npm test', description: 'Run the tests' }, 'Running npm test'],
    ['Bash', { command: 'npm ci\nnpm test' }, 'Running npm ci …'],
    ['Grep', { pattern: 'TODO' }, 'Searching the files for "TODO"'],
    ['Glob', { pattern: 'src/**/*.ts' }, 'Listing files matching src/**/*.ts'],
    ['WebSearch', { query: 'bullmq stalled jobs' }, 'Searching the web for "bullmq stalled jobs"'],
    [
      'WebFetch',
      { url: 'https://docs.bullmq.io/guide/workers', prompt: 'x' },
      'Fetching https://docs.bullmq.io/guide/workers',
    ],
    ['Agent', { description: 'Find the flaky test', prompt: 'x' }, 'Starting a subagent: Find the flaky test'],
    ['TodoWrite', { todos: [] }, 'Updating its to-do list'],
    ['mcp__github__create_issue', {}, 'Using create_issue (github)'],
    ['Whatever', undefined, 'Using Whatever'],
    ['Write', {}, 'Writing'],
  ])('%s %j -> %s', (name, input, step) => {
    expect(describeToolUse(name, input, CWD)).toBe(step);
  });

  it('keeps a step to one short line', () => {
    const step = describeToolUse('Bash', { command: `echo ${'x'.repeat(300)}` }, CWD);
    expect(step.length).toBeLessThanOrEqual('Running '.length + 80);
    expect(step.endsWith('…')).toBe(true);
  });
});

describe('stream-json lines', () => {
  it('joins lines split across chunks, and keeps a partial last line for flush', () => {
    const lines = createLineSplitter();
    expect(lines.push('{"type":"sys')).toEqual([]);
    expect(lines.push('tem"}\n\n{"type":"assistant"}\r\n{"type":')).toEqual([
      '{"type":"system"}',
      '{"type":"assistant"}',
    ]);
    expect(lines.push('"result"}')).toEqual([]);
    expect(lines.flush()).toEqual(['{"type":"result"}']);
    expect(lines.flush()).toEqual([]);
  });

  it('accepts only JSON objects with a type', () => {
    expect(parseStreamLine('{"type":"result","is_error":false}')).toEqual({ type: 'result', is_error: false });
    expect(parseStreamLine('not json')).toBeUndefined();
    expect(parseStreamLine('[1,2]')).toBeUndefined();
    expect(parseStreamLine('{"no":"type"}')).toBeUndefined();
  });
});
