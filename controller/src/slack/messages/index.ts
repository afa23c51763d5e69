// Every Block Kit message AgentOps sends: job cards, answers, failure notices,
// the status board, help and plain lines. Pure builders that keep every Slack limit.
export * from './answer.js';
export * from './blocks.js';
export * from './card.js';
export * from './footer.js';
export * from './format.js';
export * from './help.js';
export * from './markdown.js';
export * from './receipt.js';
export * from './status.js';
export * from './approval.js';
export * from './bulk.js';
export * from './digest.js';
