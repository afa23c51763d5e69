// Words the job card and command answers share about a job. Pure.
import { escapeMrkdwn, priorityLabel, type JobData } from '@agentops/core';
import type { JobDetails } from '../../queue/manager.js';

export function describeRoute(data: JobData): string {
  const { routing } = data;
  const confidence = `confidence ${routing.confidence.toFixed(2)}`;
  switch (routing.method) {
    case 'keyword':
      return `keywords (${routing.patterns.map((pattern) => `\`${escapeMrkdwn(pattern)}\``).join(', ')}), ${confidence}`;
    case 'llm':
      return `LLM fallback, ${confidence}`;
    case 'explicit':
      return 'chosen explicitly';
    default:
      return `default (no keyword or LLM decision), ${confidence}`;
  }
}

/** Short line for a job in messages, e.g. "#42 (code, P1)". */
export function jobLabel(job: Pick<JobDetails, 'id' | 'queue' | 'priority'>): string {
  return `#${job.id} (${job.queue}, ${priorityLabel(job.priority)})`;
}
