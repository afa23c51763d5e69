// Every Block Kit message the controller builds: receipts, the status board,
// help and plain lines. Pure builders that keep every Slack limit.
export * from './blocks.js';
export * from './help.js';
export * from './receipt.js';
export * from './status.js';
