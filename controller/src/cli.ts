#!/usr/bin/env node
// Entry point of the agentops bin: reads .env, runs one command, exits.
import { createInterface } from 'node:readline/promises';
import { loadDotEnv } from '@agentops/core';
import { runCli } from './cli/run.js';

/** y/N on the terminal (bulk retry and cancel); only offered when there is one. */
async function confirm(question: string): Promise<boolean> {
  const terminal = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await terminal.question(question)).trim());
  } finally {
    terminal.close();
  }
}

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
  ...(process.stdin.isTTY && process.stderr.isTTY ? { confirm } : {}),
});
process.exitCode = code;
