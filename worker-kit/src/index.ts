// @agentops/worker-kit: what every worker process runs. The runtime owns the
// BullMQ worker (the kit's one BullMQ seam); the Claude runner is the one place
// that spawns the Claude Code CLI; the thread reporter is the workers' one path
// to Slack's Web API. Imports @agentops/core only.
export * from './runtime/cancel-watcher.js';
export * from './runtime/failure.js';
export * from './runtime/process.js';
export * from './runtime/runtime.js';
export * from './runtime/tolerant-worker.js';
export * from './lm-chat.js';
export * from './claude/index.js';
export * from './thread/answer-messages.js';
export * from './thread/format.js';
export * from './thread/markdown.js';
export * from './thread/reporter.js';
export * from './thread/status-messages.js';
export * from './thread/throttle.js';
