export * from './desk.js';
export * from './question.js';
