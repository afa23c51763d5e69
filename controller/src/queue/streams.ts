// Reading BullMQ's event streams (XREAD replies), shared by the feeds that
// follow them. Pure.

export type StreamReply = [key: string, entries: [id: string, fields: string[]][]][];

/** Field list of a stream entry as an object. */
export function fieldsOf(list: string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (let index = 0; index + 1 < list.length; index += 2) fields[list[index] ?? ''] = list[index + 1] ?? '';
  return fields;
}

/** Orders Redis stream ids ("ms-seq"). */
export function compareStreamIds(a: string, b: string): number {
  const [am = 0n, as = 0n] = a.split('-').map((part) => BigInt(part));
  const [bm = 0n, bs = 0n] = b.split('-').map((part) => BigInt(part));
  if (am !== bm) return am < bm ? -1 : 1;
  if (as !== bs) return as < bs ? -1 : 1;
  return 0;
}

/** The time (ms) a stream entry was written, from its id. */
export function streamIdTime(id: string): number {
  return Number(id.split('-')[0] ?? 0);
}
