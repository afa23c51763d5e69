// Prometheus metrics of the controller. Queue gauges are read from Redis when
// scraped (no polling while nobody looks); counters are fed by events.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { QueueName, RoutingDecision } from '@agentops/core';
import type { QueueManager } from '../queue/manager.js';

export interface Metrics {
  registry: Registry;
  jobFinished(queue: QueueName, outcome: 'completed' | 'failed', durationSeconds?: number): void;
  routed(decision: RoutingDecision): void;
  llmCall(outcome: 'ok' | 'error'): void;
  slackError(method: string): void;
}

export function createMetrics(manager: QueueManager): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service: 'agentops-controller' });
  collectDefaultMetrics({ register: registry, prefix: 'agentops_controller_' });
  new Gauge({
    name: 'agentops_jobs',
    help: 'Jobs per queue and state, read from Redis at scrape time',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      const snapshot = await manager.status();
      for (const queue of snapshot.queues) {
        for (const state of ['waiting', 'active', 'delayed', 'failed'] as const)
          this.set({ queue: queue.name, state }, queue.counts[state]);
      }
    },
  });
  new Gauge({
    name: 'agentops_workers_connected',
    help: 'Worker connections per queue',
    labelNames: ['queue'] as const,
    registers: [registry],
    async collect() {
      for (const queue of (await manager.status()).queues) this.set({ queue: queue.name }, queue.workers);
    },
  });
  const finished = new Counter({
    name: 'agentops_jobs_finished_total',
    help: 'Jobs that finished, by queue and outcome',
    labelNames: ['queue', 'outcome'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'agentops_job_duration_seconds',
    help: 'Time from a worker starting a job to its end',
    labelNames: ['queue', 'outcome'] as const,
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1_200, 1_800, 3_600],
    registers: [registry],
  });
  const routing = new Counter({
    name: 'agentops_routing_decisions_total',
    help: 'Routing decisions by method and queue',
    labelNames: ['method', 'queue'] as const,
    registers: [registry],
  });
  const llm = new Counter({
    name: 'agentops_llm_fallback_calls_total',
    help: 'LLM routing fallback calls by outcome',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const slack = new Counter({
    name: 'agentops_slack_api_errors_total',
    help: 'Slack Web API calls that failed after retries',
    labelNames: ['method'] as const,
    registers: [registry],
  });
  return {
    registry,
    jobFinished(queue, outcome, durationSeconds) {
      finished.inc({ queue, outcome });
      if (durationSeconds !== undefined && durationSeconds >= 0) duration.observe({ queue, outcome }, durationSeconds);
    },
    routed: (decision) => routing.inc({ method: decision.method, queue: decision.queue }),
    llmCall: (outcome) => llm.inc({ outcome }),
    slackError: (method) => slack.inc({ method }),
  };
}
