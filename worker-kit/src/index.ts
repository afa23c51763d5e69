// @agentops/worker-kit: what every worker process runs. The runtime owns the
// BullMQ worker (the kit's one BullMQ seam); the Claude runner is the one place
// that spawns the Claude Code CLI; workers never talk to Slack. Imports
// @agentops/core only.
export * from './runtime/cancel-watcher.js';
export * from './runtime/failure.js';
export * from './runtime/process.js';
export * from './runtime/runtime.js';
export * from './runtime/tolerant-worker.js';
export * from './lm-chat.js';
export * from './chat-history.js';
export * from './claude/index.js';
export * from './approvals/index.js';
export * from './runtime/job-clock.js';
