// Prometheus metrics of the controller. Queue gauges are read from Redis when
// scraped (no polling while nobody looks); counters are fed by events.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { QueueName, RoutingDecision } from '@agentops/core';
import type { QueueManager } from '../queue/manager.js';

export interface Metrics {
  registry: Registry;
  jobFinished(
    queue: QueueName,
    outcome: 'completed' | 'failed',
    durationSeconds?: number,
    spend?: { costUsd?: number; tokens?: number },
  ): void;
  routed(decision: RoutingDecision): void;
  llmCall(outcome: 'ok' | 'error'): void;
  /** One Slack call of the delivery service and how it ended. */
  delivery(method: string, outcome: string): void;
}

export interface MetricSources {
  /** Deliveries waiting in the outbox. */
  outboxDepth?: () => Promise<number>;
  /** Accepted requests not yet handled. */
  inboxPending?: () => Promise<number>;
}

export function createMetrics(manager: QueueManager, sources: MetricSources = {}): Metrics {
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
  new Gauge({
    name: 'agentops_slack_outbox_depth',
    help: 'Slack messages and edits waiting in the delivery outbox',
    registers: [registry],
    async collect() {
      this.set(sources.outboxDepth ? await sources.outboxDepth() : 0);
    },
  });
  new Gauge({
    name: 'agentops_intake_pending',
    help: 'Accepted requests in the intake inbox not yet turned into jobs and answers',
    registers: [registry],
    async collect() {
      this.set(sources.inboxPending ? await sources.inboxPending() : 0);
    },
  });
  const deliveries = new Counter({
    name: 'agentops_slack_deliveries_total',
    help: 'Slack Web API calls of the delivery service, by method and outcome (sent, found, rate_limited, retry, failed)',
    labelNames: ['method', 'outcome'] as const,
    registers: [registry],
  });
  const rateLimited = new Counter({
    name: 'agentops_slack_rate_limited_total',
    help: 'Slack answers of 429 (rate limited) to the delivery service',
    registers: [registry],
  });
  const cost = new Counter({
    name: 'agentops_claude_cost_usd_total',
    help: 'What finished Claude jobs cost, in US dollars, per queue',
    labelNames: ['queue'],
    registers: [registry],
  });
  const tokens = new Counter({
    name: 'agentops_claude_tokens_total',
    help: 'Tokens finished Claude jobs used (input, cache and output), per queue',
    labelNames: ['queue'],
    registers: [registry],
  });
  return {
    registry,
    delivery(method, outcome) {
      deliveries.inc({ method, outcome });
      if (outcome === 'rate_limited') rateLimited.inc();
    },
    jobFinished(queue, outcome, durationSeconds, spend) {
      finished.inc({ queue, outcome });
      if (durationSeconds !== undefined && durationSeconds >= 0) duration.observe({ queue, outcome }, durationSeconds);
      if (spend?.costUsd !== undefined && spend.costUsd > 0) cost.inc({ queue }, spend.costUsd);
      if (spend?.tokens !== undefined && spend.tokens > 0) tokens.inc({ queue }, spend.tokens);
    },
    routed: (decision) => routing.inc({ method: decision.method, queue: decision.queue }),
    llmCall: (outcome) => llm.inc({ outcome }),
  };
}
