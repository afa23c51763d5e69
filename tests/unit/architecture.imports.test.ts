// The import rules of docs/architecture.md, checked on the source: the
// controller's folders import each other without a cycle, and each outside
// system is reached from one place only.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/processes.js';

const CONTROLLER = path.join(REPO_ROOT, 'controller', 'src');
const IMPORT = /^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

function importsOf(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(IMPORT)].map((match) => match[1] ?? '');
}

/** The controller folder a file belongs to ("slack", "queue"…); files at the root (entry points) are "(root)". */
function folderOf(file: string): string {
  const relative = path.relative(CONTROLLER, file).split(path.sep);
  return relative.length > 1 ? (relative[0] ?? '(root)') : '(root)';
}

function folderGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of sourceFiles(CONTROLLER)) {
    const from = folderOf(file);
    if (from === '(root)') continue;
    for (const spec of importsOf(file)) {
      if (!spec.startsWith('.')) continue;
      const to = folderOf(path.resolve(path.dirname(file), spec));
      if (to === from || to === '(root)') continue;
      if (!graph.has(from)) graph.set(from, new Set());
      graph.get(from)?.add(to);
    }
  }
  return graph;
}

function findCycle(graph: Map<string, Set<string>>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === 'done') return undefined;
    if (state.get(node) === 'open') return [...stack.slice(stack.indexOf(node)), node];
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

/** Files (relative to the repository) that import `module` or one of its subpaths. */
function importersOf(module: string, roots: string[]): string[] {
  return roots
    .flatMap((root) => sourceFiles(path.join(REPO_ROOT, root)))
    .filter((file) => importsOf(file).some((spec) => spec === module || spec.startsWith(`${module}/`)))
    .map((file) => path.relative(REPO_ROOT, file));
}

const PRODUCT = ['core/src', 'worker-kit/src', 'controller/src', 'scripts/src', 'workers'];

describe('the import rules', () => {
  it('the controller has folders that import each other in one direction only', () => {
    const graph = folderGraph();
    expect(graph.size).toBeGreaterThan(5);
    expect(findCycle(graph)).toBeUndefined();
  });

  it('finds a cycle when there is one (the check can fail)', () => {
    const graph = new Map([
      ['slack', new Set(['commands'])],
      ['commands', new Set(['queue'])],
      ['queue', new Set(['slack'])],
    ]);
    expect(findCycle(graph)).toEqual(['slack', 'commands', 'queue', 'slack']);
  });

  it('reaches each outside system from one place', () => {
    expect(
      importersOf('bullmq', ['core/src', 'controller/src', 'scripts/src']).every((file) =>
        file.startsWith('controller/src/queue/'),
      ),
    ).toBe(true);
    expect(importersOf('bullmq', ['controller/src']).length).toBeGreaterThan(0);
    expect(importersOf('@qdrant/js-client-rest', PRODUCT)).toEqual(['controller/src/memory/collection.ts']);
    expect(importersOf('@slack/bolt', PRODUCT).every((file) => file.startsWith('controller/src/slack/'))).toBe(true);
    // One path to Slack: only the delivery service calls its Web API.
    const webApi = importersOf('@slack/web-api', PRODUCT);
    expect(webApi.length).toBeGreaterThan(0);
    expect(webApi.every((file) => file.startsWith('controller/src/delivery/'))).toBe(true);
    expect(importersOf('@slack', ['worker-kit/src', 'workers'])).toEqual([]);
    // SQL lives in the job history's store: its database drivers and query builder nowhere else.
    for (const driver of ['kysely', 'better-sqlite3', 'pg'])
      expect(importersOf(driver, PRODUCT).every((file) => file.startsWith('controller/src/history/'))).toBe(true);
    expect(importersOf('better-sqlite3', PRODUCT)).toEqual(['controller/src/history/database.ts']);
    expect(importersOf('pg', PRODUCT)).toEqual(['controller/src/history/database.ts']);
    // Child processes: the Claude Code CLI from worker-kit's claude/, git from the code worker's git.ts.
    expect(
      importersOf('execa', PRODUCT).every(
        (file) => file.startsWith('worker-kit/src/claude/') || file === 'workers/code-worker/src/git.ts',
      ),
    ).toBe(true);
  });

  it('keeps core free of our own packages, and the controller free of the worker kit', () => {
    expect(importersOf('@agentops', ['core/src'])).toEqual([]);
    expect(importersOf('@agentops/worker-kit', ['controller/src', 'scripts/src'])).toEqual([]);
  });
});
