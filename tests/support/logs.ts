// Reads what a process logged as structured records (pino's JSON lines), so a
// test asserts a field (`refused`, `user`, `jobId`…) rather than a sentence.

/** Every JSON object line of `output`; other lines (pretty output, stack traces) are skipped. */
export function logRecords(output: string): Record<string, unknown>[] {
  return output.split('\n').flatMap((line) => {
    if (!line.startsWith('{')) return [];
    try {
      const parsed: unknown = JSON.parse(line);
      return typeof parsed === 'object' && parsed !== null ? [parsed as Record<string, unknown>] : [];
    } catch {
      return [];
    }
  });
}

/** The records whose fields include every entry of `fields` (compared with ===). */
export function logRecordsMatching(output: string, fields: Record<string, unknown>): Record<string, unknown>[] {
  return logRecords(output).filter((record) => Object.entries(fields).every(([key, value]) => record[key] === value));
}
