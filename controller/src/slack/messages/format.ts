// Numbers as people read them in a Slack thread. Pure.

// Durations and costs are read the same way in the CLI's tables, so they live in core.
export { formatCost, formatDuration } from '@agentops/core';

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}
