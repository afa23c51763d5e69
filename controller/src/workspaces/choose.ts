// Which workspace (a CODE_WORKSPACES folder) a job runs in, from what the
// person wrote. Pure. In order:
//   1. the CLI's `--repo <name>`, or a `repo=<name>` token in the text (the
//      token is taken out of the text): explicit, so a name that is not
//      configured is refused, with the names that are;
//   2. the words "in repo <name>" or "repo <name>" when <name> is configured
//      (any case): they read as part of the task and stay in the text; words
//      that name no workspace ("repo status") are only text;
//   3. the channel's default (`/queue repo <name>`);
//   4. none: CODE_WORKDIR.
// Names match in any case and come back as configured.
import { cleanText, hasVisibleText, type JobRequest } from '@agentops/core';

export type WorkspaceSource = 'option' | 'token' | 'words' | 'channel';

export type WorkspaceChoice =
  | { ok: true; text: string; workspace?: string; by?: WorkspaceSource }
  | { ok: false; message: string };

export interface ChoiceInput {
  text: string;
  /** CODE_WORKSPACES names, as configured. */
  names: readonly string[];
  /** `agentops add --repo <name>`. */
  explicit?: string;
  /** The channel's default, when it has one. */
  channelDefault?: string;
}

/** How to configure workspaces, for answers that find none. */
export const CONFIGURE_WORKSPACES =
  'set CODE_WORKSPACES on the controller and the code worker, e.g. CODE_WORKSPACES=api=/src/api,web=/src/web, and restart them';

/** `repo=<name>` (or `in repo=<name>`) at the start of the text or after a space, with the spaces before it. */
const TOKEN = /[ \t]*(?<!\S)(?:in[ \t]+)?repo=(\S*)/gi;
const WORDS = /\b(?:in\s+)?repo\s+([A-Za-z0-9][A-Za-z0-9_.-]*)/gi;

/** The configured spelling of `name` (any case; a sentence's trailing dots forgiven). */
export function findWorkspace(names: readonly string[], name: string): string | undefined {
  const wanted = [name, name.replace(/[.]+$/, '')].map((candidate) => candidate.toLowerCase());
  for (const candidate of wanted) {
    const found = names.find((configured) => configured.toLowerCase() === candidate);
    if (found) return found;
  }
  return undefined;
}

/** The refusal for a workspace name that is not configured. */
export function unknownWorkspace(names: readonly string[], name: string): string {
  const shown = name.length > 40 ? `${name.slice(0, 40)}…` : name;
  if (names.length === 0)
    return `There is no workspace "${shown}": no workspaces are configured. To use one, ${CONFIGURE_WORKSPACES}.`;
  return `There is no workspace "${shown}". Configured workspaces: ${names.join(', ')}. Use one of them, e.g. repo=${names[0]}.`;
}

/** The text without its `repo=` tokens, and the names they give. */
function takeTokens(text: string): { text: string; named: string[] } {
  const named: string[] = [];
  const rest = text.replace(TOKEN, (_match, name: string) => {
    named.push(name);
    return '';
  });
  return named.length === 0 ? { text, named } : { text: cleanText(rest).trim(), named };
}

export function chooseWorkspace(input: ChoiceInput): WorkspaceChoice {
  const { names } = input;
  const { text, named } = takeTokens(input.text);
  const asked = [...(input.explicit === undefined ? [] : [input.explicit]), ...named];
  if (asked.length > 0) {
    if (!hasVisibleText(text))
      return { ok: false, message: 'There is no job text besides the workspace. Say what the job should do.' };
    const empty = asked.find((name) => name === '');
    if (empty !== undefined)
      return { ok: false, message: `\`repo=\` needs a workspace name, e.g. repo=${names[0] ?? 'api'}.` };
    const found: string[] = [];
    for (const name of asked) {
      const workspace = findWorkspace(names, name);
      if (!workspace) return { ok: false, message: unknownWorkspace(names, name) };
      if (!found.includes(workspace)) found.push(workspace);
    }
    if (found.length > 1)
      return {
        ok: false,
        message: `The job names ${found.length} workspaces (${found.join(', ')}); a job runs in one. Keep one of them.`,
      };
    return { ok: true, text, workspace: found[0], by: input.explicit === undefined ? 'token' : 'option' };
  }
  for (const match of text.matchAll(WORDS)) {
    const workspace = findWorkspace(names, match[1] ?? '');
    if (workspace) return { ok: true, text, workspace, by: 'words' };
  }
  const fallback = input.channelDefault === undefined ? undefined : findWorkspace(names, input.channelDefault);
  if (fallback) return { ok: true, text, workspace: fallback, by: 'channel' };
  return { ok: true, text };
}

export interface ChosenItems {
  /** The requests with their workspace set and `repo=` taken out of their text. */
  items: JobRequest[];
  /** One message per request refused, in order. */
  refusals: string[];
}

/** The choice for each request of one intake; a refused request is left out, its message kept. */
export function chooseForItems(
  requests: readonly JobRequest[],
  names: readonly string[],
  options: { explicit?: string; channelDefault?: string } = {},
): ChosenItems {
  const items: JobRequest[] = [];
  const refusals: string[] = [];
  for (const request of requests) {
    const choice = chooseWorkspace({
      text: request.text,
      names,
      ...(request.workspace === undefined ? {} : { explicit: request.workspace }),
      ...(options.explicit === undefined ? {} : { explicit: options.explicit }),
      ...(options.channelDefault === undefined ? {} : { channelDefault: options.channelDefault }),
    });
    if (!choice.ok) {
      refusals.push(requests.length > 1 ? `“${request.text.slice(0, 60)}”: ${choice.message}` : choice.message);
      continue;
    }
    const { workspace: _previous, ...rest } = request;
    items.push({ ...rest, text: choice.text, ...(choice.workspace ? { workspace: choice.workspace } : {}) });
  }
  return { items, refusals };
}
