// Every secret is declared once (SECRET_VARIABLES, next to the config
// schema), and everything else follows from the declaration: loadConfig
// collects its value for scrubbing, the logger and scrubSecrets hide it in
// every form a line can hold it in, a Claude run's answer and stats are
// scrubbed of it, and the Claude child's environment loses it unless the CLI
// needs it. One row per secret.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  CONFIG_VARIABLES,
  createLogger,
  isSecretVariable,
  loadConfig,
  scrubSecrets,
  scrubSecretsDeep,
  SECRET_VARIABLES,
} from '@agentops/core';
import { applyEvent, claudeChildEnv, createRunState, decideOutcome, type StreamEvent } from '@agentops/worker-kit';

/** A valid value for each secret; the Slack ones keep the prefixes their schema asks for. */
const VALUES: Record<string, string> = {
  SLACK_BOT_TOKEN: 'xoxb-1111-2222-declaredbot',
  SLACK_SIGNING_SECRET: 'declared-signing-secret-01',
  SLACK_APP_TOKEN: 'xapp-1-A111-declaredapp',
  REDIS_PASSWORD: 'declared-redis-password',
  BULLBOARD_PASSWORD: 'declared-board-password',
  LM_STUDIO_API_KEY: 'declared-lm-studio-key',
  ANTHROPIC_API_KEY: 'declared-anthropic-key',
  ANTHROPIC_AUTH_TOKEN: 'declared-anthropic-auth-token',
  CLAUDE_CODE_OAUTH_TOKEN: 'declared-claude-oauth-token',
  API_TOKENS: 'ci=write:declared-api-token-0123456789',
  DATABASE_URL: 'postgres://agentops:declared-db-password@127.0.0.1:5432/agentops',
};
const SLACK_REST = { SLACK_CHANNEL_ID: 'C0ABKSQ3TKQ' };
/** The forms a secret takes in output, worked out here rather than taken from the code under test. */
const formsOf = (secret: string) => [secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)];
const ROWS = Object.entries(SECRET_VARIABLES).map(([name, { child }]) => ({ name, child, value: VALUES[name] ?? '' }));

describe('the declaration', () => {
  it('has a row here for every declared secret', () => {
    expect(Object.keys(VALUES).sort()).toEqual(Object.keys(SECRET_VARIABLES).sort());
  });

  it('covers every configuration variable whose name says it holds a secret', () => {
    const secretLooking = CONFIG_VARIABLES.filter((name) => /TOKEN|SECRET|PASSWORD|API_KEY|CREDENTIAL/.test(name));
    expect(secretLooking.filter((name) => !(name in SECRET_VARIABLES))).toEqual([]);
  });

  it("declares AgentOps' own secrets in the schema, and only the Claude CLI's credentials outside it", () => {
    for (const { name, child } of ROWS)
      expect((CONFIG_VARIABLES as readonly string[]).includes(name), `${name} in the schema`).toBe(!child);
  });
});

describe.each(ROWS)('$name (child: $child)', ({ name, child, value }) => {
  const env = { ...VALUES, ...SLACK_REST };

  it('is collected by loadConfig for scrubbing', () => {
    expect(loadConfig(env).secrets).toContain(value);
  });

  it.each([
    ['as set', ''],
    ['with characters JSON escapes and URLs encode', '"\\/@#'],
  ])('is hidden by scrubSecrets and in every log line, %s: as is, JSON-escaped and in a URL', (_label, extra) => {
    const candidate = `${value}${extra}`;
    const line = `${candidate} ${JSON.stringify(candidate)} ${encodeURIComponent(candidate)}`;
    const scrubbed = scrubSecrets(line, [candidate]);
    for (const form of formsOf(candidate)) expect(scrubbed).not.toContain(form);
    let out = '';
    const logger = createLogger({
      name: 'test',
      secrets: [candidate],
      destination: new Writable({
        write(chunk, _encoding, done) {
          out += String(chunk);
          done();
        },
      }),
    });
    logger.warn(
      { err: new Error(`upstream said ${candidate}`), url: `http://u:${encodeURIComponent(candidate)}@h/` },
      `failed with ${candidate}`,
    );
    expect(out).toContain('[redacted]');
    for (const form of formsOf(candidate)) expect(out, `${name} in a log line`).not.toContain(form);
  });

  it("is scrubbed from a Claude run's answer and stats", () => {
    const state = createRunState();
    const result: StreamEvent = {
      type: 'result',
      subtype: 'success',
      is_error: false,
      result: `The environment holds ${name}=${value}`,
      num_turns: 2,
      permission_denials: [{ tool_name: 'Bash', tool_use_id: 't1', tool_input: { command: `curl -H "k: ${value}"` } }],
    };
    applyEvent(state, result);
    const outcome = decideOutcome(state, { exitCode: 0, stderrTail: '' }, { bin: 'claude', secrets: [value] });
    expect(outcome.ok).toBe(true);
    expect(JSON.stringify(outcome)).not.toContain(value);
    expect(outcome.ok && outcome.result.text).toBe(`The environment holds ${name}=[redacted]`);
  });

  it(
    child ? 'stays in the Claude child environment (the CLI needs it)' : 'is removed from the Claude child environment',
    () => {
      expect(claudeChildEnv({ PATH: '/usr/bin', [name]: value })).toEqual(
        child ? { PATH: '/usr/bin', [name]: value } : { PATH: '/usr/bin' },
      );
    },
  );
});

describe('secret families (a webhook secret in HOOK_SECRET_<name>)', () => {
  const env = { HOOK_SECRET_GITHUB: 'declared-hook-secret-42', HOOK_SECRETLESS: 'not-a-secret-value' };

  it('are collected by loadConfig for scrubbing, by their name alone', () => {
    const { secrets } = loadConfig(env);
    expect(secrets).toContain('declared-hook-secret-42');
    expect(secrets).not.toContain('not-a-secret-value');
    expect(isSecretVariable('HOOK_SECRET_GITHUB')).toBe(true);
  });

  it('are removed from the Claude child environment', () => {
    expect(claudeChildEnv({ PATH: '/usr/bin', ...env })).toEqual({
      PATH: '/usr/bin',
      HOOK_SECRETLESS: 'not-a-secret-value',
    });
  });

  it('each API token is scrubbed by itself, not only the whole API_TOKENS value', () => {
    const { secrets } = loadConfig({
      API_TOKENS: 'ci=write:first-token-0123456789abcdef,dash=read:second-token-0123456789abcd',
    });
    expect(secrets).toEqual(expect.arrayContaining(['first-token-0123456789abcdef', 'second-token-0123456789abcd']));
  });
});

describe('scrubSecretsDeep', () => {
  it('scrubs every string inside a value and keeps its shape', () => {
    expect(scrubSecretsDeep({ a: ['x secret-123 y', 2, null], b: { c: 'secret-123' } }, ['secret-123'])).toEqual({
      a: ['x [redacted] y', 2, null],
      b: { c: '[redacted]' },
    });
  });

  it('leaves values shorter than six characters alone (they would match ordinary words)', () => {
    expect(scrubSecrets('pass: abc12', ['abc12'])).toBe('pass: abc12');
  });
});
