// @agentops/core: the contract every AgentOps process shares. It imports
// nothing of ours, and TypeScript's project references keep it that way.
export * from './cancel.js';
export * from './config.js';
export * from './env-file.js';
export * from './errors.js';
export * from './job.js';
export * from './keys.js';
export * from './lm-studio.js';
export * from './logger.js';
export * from './process-config.js';
export * from './queues.js';
export * from './result.js';
export * from './redis.js';
export * from './shutdown.js';
export * from './slack/block-kit.js';
export * from './slack/contract.js';
export * from './slack/mrkdwn.js';
export * from './slack/sdk-logger.js';
export * from './text.js';
export * from './crash.js';
export * from './conversation.js';
export * from './limits.js';
export * from './spend.js';
export * from './worktree-clean.js';
export * from './approvals.js';
export * from './api-tokens.js';
