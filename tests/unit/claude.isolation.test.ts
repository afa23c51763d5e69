// The pieces that keep a research run to its own folder: the options that
// confine the CLI (`--restricted`, no MCP servers, no transcript, never
// `--add-dir`) and the start-up check of RESEARCH_WORKDIR. The real CLI's refusals are in
// tests/integration/research-worker.test.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@agentops/core';
import { buildSdkOptions, resolveWorkdir } from '@agentops/worker-kit';

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
