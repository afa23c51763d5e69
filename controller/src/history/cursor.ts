// The opaque page cursor of `list`: the id of the last job of the page before
// (pages go newest first, by id). Pure. Base64url, so it reads as a token and
// nobody builds one by hand; a cursor that does not decode is a USAGE error.
import { AgentOpsError, ErrorCode } from '@agentops/core';

const PREFIX = 'h1:';

export function encodeCursor(lastId: number): string {
  return Buffer.from(`${PREFIX}${lastId}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): number {
  const raw = /^[A-Za-z0-9_-]{1,64}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const id = raw.startsWith(PREFIX) ? Number(raw.slice(PREFIX.length)) : Number.NaN;
  if (!Number.isSafeInteger(id) || id < 1)
    throw new AgentOpsError(
      ErrorCode.Usage,
      `"${cursor.slice(0, 40)}" is not a history cursor. Pass the nextCursor of the page before, unchanged, or leave it out for the newest jobs.`,
      { details: { cursor: cursor.slice(0, 64) } },
    );
  return id;
}
