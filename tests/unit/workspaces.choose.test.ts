// Which workspace a job runs in, from what the person wrote: `repo=<name>`
// (taken out of the text), the words "in repo <name>" for a configured name,
// the channel's default, else none; an unknown name is refused with the names
// that exist, and how to configure one when there are none.
import { describe, expect, it } from 'vitest';
import { chooseForItems, chooseWorkspace } from '@agentops/controller';

const names = ['api', 'Web.app'];

describe('chooseWorkspace', () => {
  it('takes repo=<name> out of the text and answers with the configured spelling', () => {
    expect(chooseWorkspace({ text: 'fix the login bug repo=API', names })).toEqual({
      ok: true,
      text: 'fix the login bug',
      workspace: 'api',
      by: 'token',
    });
    expect(chooseWorkspace({ text: 'repo=web.app add a dark mode', names })).toMatchObject({
      text: 'add a dark mode',
      workspace: 'Web.app',
    });
    expect(chooseWorkspace({ text: 'fix the tests in repo=api.', names })).toMatchObject({
      text: 'fix the tests',
      workspace: 'api',
    });
  });

  it('keeps the text around the token as it was, line breaks included', () => {
    expect(chooseWorkspace({ text: 'fix it repo=api\n  keep this indent', names })).toMatchObject({
      text: 'fix it\n  keep this indent',
    });
    // Only a token of its own counts: `xrepo=api` is text.
    expect(chooseWorkspace({ text: 'set xrepo=api in the file', names })).toEqual({
      ok: true,
      text: 'set xrepo=api in the file',
    });
  });

  it('refuses an unknown repo= name, listing the configured ones', () => {
    const choice = chooseWorkspace({ text: 'fix it repo=mobile', names });
    expect(choice.ok).toBe(false);
    if (!choice.ok) {
      expect(choice.message).toContain('There is no workspace "mobile"');
      expect(choice.message).toContain('Configured workspaces: api, Web.app');
    }
  });

  it('says how to configure workspaces when there are none', () => {
    const choice = chooseWorkspace({ text: 'fix it repo=api', names: [] });
    expect(choice.ok).toBe(false);
    if (!choice.ok) {
      expect(choice.message).toContain('no workspaces are configured');
      expect(choice.message).toContain('CODE_WORKSPACES=api=/src/api');
    }
  });

  it('refuses two different workspaces, and a token with no name or no text', () => {
    expect(chooseWorkspace({ text: 'repo=api repo=web.app sync them', names }).ok).toBe(false);
    expect(chooseWorkspace({ text: 'repo=api repo=API sync them', names })).toMatchObject({ workspace: 'api' });
    expect(chooseWorkspace({ text: 'repo= fix it', names }).ok).toBe(false);
    expect(chooseWorkspace({ text: 'repo=api', names }).ok).toBe(false);
  });

  it('reads "in repo <name>" and "repo <name>" for configured names and leaves the words in the text', () => {
    expect(chooseWorkspace({ text: 'Fix the flaky test in repo API', names })).toEqual({
      ok: true,
      text: 'Fix the flaky test in repo API',
      workspace: 'api',
      by: 'words',
    });
    expect(chooseWorkspace({ text: 'bump the version in the repo web.app.', names })).toMatchObject({
      workspace: 'Web.app',
      by: 'words',
    });
  });

  it('leaves words that name no workspace alone: plain text, no refusal', () => {
    expect(chooseWorkspace({ text: 'check the repo status and report', names })).toEqual({
      ok: true,
      text: 'check the repo status and report',
    });
    expect(chooseWorkspace({ text: 'clone repo mobile', names, channelDefault: 'api' })).toMatchObject({
      workspace: 'api',
      by: 'channel',
    });
  });

  it("falls back to the channel's default, then to none", () => {
    expect(chooseWorkspace({ text: 'fix it', names, channelDefault: 'WEB.APP' })).toEqual({
      ok: true,
      text: 'fix it',
      workspace: 'Web.app',
      by: 'channel',
    });
    // A default whose name is no longer configured is ignored.
    expect(chooseWorkspace({ text: 'fix it', names, channelDefault: 'gone' })).toEqual({ ok: true, text: 'fix it' });
    expect(chooseWorkspace({ text: 'fix it', names })).toEqual({ ok: true, text: 'fix it' });
  });

  it('lets an explicit choice (repo= or --repo) win over the words and the channel', () => {
    expect(
      chooseWorkspace({ text: 'port it from repo api', names, explicit: 'web.app', channelDefault: 'api' }),
    ).toMatchObject({ workspace: 'Web.app', by: 'option' });
    expect(chooseWorkspace({ text: 'fix it repo=web.app', names, channelDefault: 'api' })).toMatchObject({
      workspace: 'Web.app',
      by: 'token',
    });
    expect(chooseWorkspace({ text: 'fix it', names, explicit: 'nope' }).ok).toBe(false);
  });
});

describe('chooseForItems', () => {
  it('sets each request’s workspace and keeps the refusals apart, in order', () => {
    const chosen = chooseForItems(
      [
        { text: 'one repo=api', priority: 3 },
        { text: 'two repo=nope', priority: 2 },
        { text: 'three', priority: 1 },
      ],
      names,
      { channelDefault: 'web.app' },
    );
    expect(chosen.items).toEqual([
      { text: 'one', priority: 3, workspace: 'api' },
      { text: 'three', priority: 1, workspace: 'Web.app' },
    ]);
    expect(chosen.refusals).toHaveLength(1);
    expect(chosen.refusals[0]).toContain('two repo=nope');
    expect(chosen.refusals[0]).toContain('There is no workspace "nope"');
  });

  it("keeps a request's own workspace (a follow-up's) over the channel's", () => {
    const chosen = chooseForItems([{ text: 'again', priority: 3, workspace: 'api' }], names, {
      channelDefault: 'web.app',
    });
    expect(chosen.items).toEqual([{ text: 'again', priority: 3, workspace: 'api' }]);
  });
});
