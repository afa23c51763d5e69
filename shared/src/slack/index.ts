// Slack thread replies for worker processes: the reporter (I/O) and the pure
// builders it uses, exported for tests and for other Slack-facing code.
export * from './answer-messages.js';
export * from './block-kit.js';
export * from './format.js';
export * from './mrkdwn.js';
export * from './reporter.js';
export * from './status-messages.js';
export * from './text-split.js';
export * from './throttle.js';
