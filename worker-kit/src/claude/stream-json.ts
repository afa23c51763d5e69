// Reading `--output-format stream-json`: one JSON event per line, arriving
// in chunks that may end anywhere, even inside a line. Pure.

/** One event; `type` is 'system', 'assistant', 'user', 'result' (others may come). */
export type StreamEvent = Record<string, unknown> & { type: string };

export interface LineSplitter {
  /** Returns the lines this chunk completes; a trailing partial line waits for the next chunk. */
  push(chunk: string): string[];
  /** The last line, if the stream ended without a newline. */
  flush(): string[];
}

export function createLineSplitter(): LineSplitter {
  let pending = '';
  return {
    push(chunk) {
      pending += chunk;
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      return parts.map((line) => line.replace(/\r$/, '')).filter((line) => line.trim() !== '');
    },
    flush() {
      const last = pending.replace(/\r$/, '');
      pending = '';
      return last.trim() === '' ? [] : [last];
    },
  };
}

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The event on a line, or undefined when the line is not a JSON object with a string `type`. */
export function parseStreamLine(line: string): StreamEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  return isRecord(value) && typeof value.type === 'string' ? (value as StreamEvent) : undefined;
}
