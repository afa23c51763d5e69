// @agentops/controller's public face, for the agentops tests and benchmarks:
// the pure pieces (grammar, router, message builders, memory records) and the
// seams they drive (queue manager, intake, delivery, job memory). The processes
// themselves start from server.ts and cli.ts.
export * from './cli/args.js';
export * from './commands/tables.js';
export * from './cli/run.js';
export * from './commands/execute.js';
export * from './commands/grammar.js';
export * from './commands/help-text.js';
export * from './delivery/buckets.js';
export * from './delivery/find-sent.js';
export * from './delivery/lanes.js';
export * from './delivery/outbox.js';
export * from './delivery/service.js';
export * from './delivery/slack-errors.js';
export * from './delivery/types.js';
export * from './intake/inbox.js';
export * from './intake/plans.js';
export * from './intake/submit.js';
export * from './memory/collection.js';
export * from './memory/embedder.js';
export * from './memory/feed.js';
export * from './memory/format.js';
export * from './memory/index.js';
export * from './memory/memory.js';
export * from './memory/receipt-matches.js';
export * from './memory/records.js';
export * from './ops/dashboard.js';
export * from './ops/http.js';
export * from './ops/metrics.js';
export * from './queue/durations.js';
export * from './queue/events.js';
export * from './queue/streams.js';
export * from './queue/manager.js';
export * from './router/index.js';
export * from './router/keyword-classifier.js';
export * from './router/lm-classifier.js';
export * from './slack/access.js';
export * from './slack/decode.js';
export * from './slack/listeners/messages.js';
export * from './slack/messages/index.js';
export * from './slack/messenger.js';
export * from './slack/receipt-links.js';
export * from './access/guard.js';
export * from './access/policy.js';
export * from './access/roles.js';
export * from './audit/log.js';
