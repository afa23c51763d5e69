export * from './cancel-watcher.js';
export * from './failure.js';
export * from './result.js';
export * from './runtime.js';
