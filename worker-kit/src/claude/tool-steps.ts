// A tool call in words for the live progress message: `Editing src/app.ts`,
// `Running npm test`, `Searching the web for "bullmq stalled jobs"`. Pure.
import path from 'node:path';
import { isRecord } from './stream-json.js';

/** Steps are one short line in Slack; the rest of a long command or URL is noise. */
const DETAIL_MAX = 80;

function shorten(text: string): string {
  const line = text.split('\n', 1)[0]?.trim() ?? '';
  const oneLine = line.length < text.trim().length ? `${line} …` : line;
  return oneLine.length > DETAIL_MAX ? `${oneLine.slice(0, DETAIL_MAX - 1)}…` : oneLine;
}

/** A path as the reader knows it: relative to the working folder when inside it. */
export function displayPath(file: string, cwd: string | undefined): string {
  if (!cwd || !path.isAbsolute(file)) return shorten(file);
  const relative = path.relative(cwd, file);
  const inside = relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
  return shorten(inside ? relative : file);
}

const field = (input: unknown, name: string): string | undefined => {
  const raw = isRecord(input) ? input[name] : undefined;
  return typeof raw === 'string' && raw.trim() !== '' ? raw : undefined;
};

export function describeToolUse(name: string, input: unknown, cwd?: string): string {
  const file = (key: string) => {
    const value = field(input, key);
    return value === undefined ? undefined : displayPath(value, cwd);
  };
  const withDetail = (verb: string, detail: string | undefined) => (detail === undefined ? verb : `${verb} ${detail}`);
  switch (name) {
    case 'Edit':
    case 'MultiEdit':
      return withDetail('Editing', file('file_path'));
    case 'Write':
      return withDetail('Writing', file('file_path'));
    case 'Read':
      return withDetail('Reading', file('file_path'));
    case 'NotebookEdit':
      return withDetail('Editing notebook', file('notebook_path'));
    case 'Bash': {
      const command = field(input, 'command');
      return withDetail('Running', command === undefined ? undefined : shorten(command));
    }
    case 'Grep': {
      const pattern = field(input, 'pattern');
      return pattern === undefined ? 'Searching the files' : `Searching the files for "${shorten(pattern)}"`;
    }
    case 'Glob': {
      const pattern = field(input, 'pattern');
      return pattern === undefined ? 'Listing files' : `Listing files matching ${shorten(pattern)}`;
    }
    case 'WebSearch': {
      const query = field(input, 'query');
      return query === undefined ? 'Searching the web' : `Searching the web for "${shorten(query)}"`;
    }
    case 'WebFetch': {
      const url = field(input, 'url');
      return withDetail('Fetching', url === undefined ? undefined : shorten(url));
    }
    case 'Task':
    case 'Agent': {
      const description = field(input, 'description');
      return description === undefined ? 'Starting a subagent' : `Starting a subagent: ${shorten(description)}`;
    }
    case 'TodoWrite':
      return 'Updating its to-do list';
    default: {
      // MCP tools are named mcp__<server>__<tool>.
      const mcp = /^mcp__(.+?)__(.+)$/.exec(name);
      if (mcp) return `Using ${mcp[2] ?? name} (${mcp[1] ?? 'MCP'})`;
      return `Using ${shorten(name)}`;
    }
  }
}
