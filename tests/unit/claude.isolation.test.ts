// The pieces that keep a research run to its own folder: the options that
// confine the CLI (`--restricted`, no MCP servers, no transcript, never
// `--add-dir`), the per-job folder (created empty, removed after the job), and
// the start-up check of RESEARCH_WORKDIR. The real CLI's refusals are in
// tests/integration/research-worker.test.ts.
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@agentops/core';
import { buildSdkOptions, createJobFolder, jobFolderStem, resolveWorkdir } from '@agentops/worker-kit';

const base = mkdtempSync(path.join(tmpdir(), 'agentops-isolation-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('buildSdkOptions', () => {
  it('confines a run with --restricted, --strict-mcp-config and no session persistence when asked', () => {
    const options = buildSdkOptions({
      permissionMode: 'dontAsk',
      tools: ['WebSearch', 'Read'],
      restricted: true,
      strictMcpConfig: true,
      noSessionPersistence: true,
    });
    expect(options).toMatchObject({ extraArgs: { restricted: null }, strictMcpConfig: true, persistSession: false });
    expect(Object.keys(options.extraArgs ?? {})).toEqual(['restricted']);
  });

  it('adds none of them otherwise (the code worker keeps its settings and transcripts)', () => {
    const options = buildSdkOptions({ permissionMode: 'acceptEdits' });
    expect(options).not.toHaveProperty('extraArgs');
    expect(options).not.toHaveProperty('strictMcpConfig');
    expect(options).not.toHaveProperty('persistSession');
  });
});

describe('createJobFolder', () => {
  it('creates an empty folder named after the job, and removes it with whatever is in it', () => {
    const folder = createJobFolder('agentops-research-', '42', base);
    expect(path.dirname(folder.path)).toBe(base);
    expect(path.basename(folder.path)).toMatch(/^agentops-research-42-\w{6}$/);
    expect(readdirSync(folder.path)).toEqual([]);
    writeFileSync(path.join(folder.path, 'left.txt'), 'x');
    folder.remove();
    expect(existsSync(folder.path)).toBe(false);
    expect(() => folder.remove()).not.toThrow();
  });

  it('gives each job a folder of its own, even for the same id', () => {
    const [a, b] = [createJobFolder('p-', '7', base), createJobFolder('p-', '7', base)];
    expect(a.path).not.toBe(b.path);
    a.remove();
    b.remove();
  });

  it('keeps an id from naming another place', () => {
    expect(jobFolderStem('agentops-research-', '../../etc/x y')).toBe('agentops-research-______etc_x_y-');
  });
});

describe('resolveWorkdir for RESEARCH_WORKDIR', () => {
  it('names RESEARCH_WORKDIR and its fix', () => {
    const missing = path.join(base, 'missing');
    expect(() => resolveWorkdir(missing, base, 'RESEARCH_WORKDIR')).toThrow(
      new RegExp(`RESEARCH_WORKDIR="${missing}" does not exist .*unset it for a fresh empty folder per job`),
    );
    try {
      resolveWorkdir(missing, base, 'RESEARCH_WORKDIR');
    } catch (error) {
      expect(error).toMatchObject({ code: ErrorCode.ConfigInvalid, details: { variable: 'RESEARCH_WORKDIR' } });
    }
    expect(resolveWorkdir('.', base, 'RESEARCH_WORKDIR')).toBe(base);
  });
});
