#!/usr/bin/env node
// Entry point of the agentops bin: reads .env, runs one command, exits.
import { loadDotEnv } from '@agentops/core';
import { runCli } from './cli/run.js';

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

loadDotEnv();
const code = await runCli(process.argv.slice(2), process.env, {
  stdout: (text) => process.stdout.write(`${text}\n`),
  stderr: (text) => process.stderr.write(`${text}\n`),
  readStdin,
});
process.exitCode = code;
