// `/queue repo` and `/queue clean` (and `agentops repo|clean`, `--repo`):
// parsed by the one grammar; names are checked for their form here and
// against CODE_WORKSPACES when the command runs.
import { describe, expect, it } from 'vitest';
import { helpLines, parseSubcommand, readCliArgs, SUBCOMMANDS } from '@agentops/controller';

describe('repo and clean in the grammar', () => {
  it('reads repo alone, repo <name> and repo none', () => {
    expect(parseSubcommand('repo')).toEqual({ ok: true, command: { kind: 'repo' } });
    expect(parseSubcommand('repo api')).toEqual({ ok: true, command: { kind: 'repo', set: 'api' } });
    expect(parseSubcommand('REPO repo=web.app')).toEqual({ ok: true, command: { kind: 'repo', set: 'web.app' } });
    expect(parseSubcommand('repo None')).toEqual({ ok: true, command: { kind: 'repo', set: 'none' } });
  });

  it('refuses a name that cannot be a workspace, and extra words, with the usage', () => {
    const bad = parseSubcommand('repo ../etc');
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.error.code).toBe('bad_workspace');
      expect(bad.error.usage).toBe('/queue repo [<name>|none]');
    }
    const extra = parseSubcommand('repo api web', 'cli');
    expect(extra.ok).toBe(false);
    if (!extra.ok) {
      expect(extra.error.code).toBe('unexpected_argument');
      expect(extra.error.usage).toBe('agentops repo [<name>|none]');
    }
  });

  it('reads clean, which takes no arguments', () => {
    expect(parseSubcommand('clean')).toEqual({ ok: true, command: { kind: 'clean' } });
    const extra = parseSubcommand('clean everything');
    expect(extra.ok).toBe(false);
    if (!extra.ok) expect(extra.error.code).toBe('unexpected_argument');
  });

  it('lists both in the help', () => {
    expect(SUBCOMMANDS.map((sub) => sub.name)).toEqual(expect.arrayContaining(['repo', 'clean']));
    const help = helpLines('slash').join('\n');
    expect(help).toContain('/queue repo [<name>|none]');
    expect(help).toContain('/queue clean');
  });

  it('reads the CLI’s --repo before the job text, and refuses a bad name', () => {
    expect(readCliArgs(['add', '--repo', 'api', 'fix', 'it'])).toMatchObject({
      ok: true,
      line: 'add fix it',
      flags: { repo: 'api' },
    });
    expect(readCliArgs(['--repo=web.app', 'add', 'fix'])).toMatchObject({ ok: true, flags: { repo: 'web.app' } });
    // After the text starts, --repo is text.
    expect(readCliArgs(['add', 'fix', '--repo', 'api'])).toMatchObject({ ok: true, line: 'add fix --repo api' });
    expect(readCliArgs(['add', '--repo', '../x', 'fix'])).toMatchObject({ ok: false });
  });
});
