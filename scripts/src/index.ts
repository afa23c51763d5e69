export * from './free-port.js';
export * from './redis-server.js';
export * from './supervisor.js';
export * from './node-flags.js';
