// The research queue's work. RESEARCH_ENGINE=claude (the default): Claude
// Code with read-only tools writes a sourced report. RESEARCH_ENGINE=local:
// the LLM loaded in LM Studio writes the report from what it knows.
//
// Read-only, measured with the CLI (v2.1.330): `--tools` leaves the session
// only the listed tools, `--disallowedTools` removes the writing ones from
// subagents too, and `dontAsk` refuses anything not pre-approved. Only the
// web tools are pre-approved: Read, Grep and Glob stay confined to the working
// folder (reads elsewhere are refused), so a page that tells the model to read
// ~/.ssh and send it somewhere finds nothing to read.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Config, Logger } from '@agentops/core';
import { createClaudeProcessor, createLmChatProcessor, resolveWorkdir, type Processor } from '@agentops/worker-kit';
import { CLAUDE_RESEARCH_PROMPT, LOCAL_RESEARCH_PROMPT } from './prompts.js';

/** The tools a research run has at all. */
export const RESEARCH_TOOLS = ['WebSearch', 'WebFetch', 'Read', 'Grep', 'Glob'] as const;
/** Pre-approved: the web tools. Reads need no approval inside the working folder and are refused outside it. */
export const RESEARCH_ALLOWED_TOOLS = ['WebSearch', 'WebFetch'] as const;
export const RESEARCH_DISALLOWED_TOOLS = ['Write', 'Edit', 'MultiEdit', 'NotebookEdit', 'Bash'] as const;

/** A folder of its own, empty, removed when the process exits: Claude Code needs a working folder even with nothing to read. */
function createResearchFolder(): string {
  const folder = mkdtempSync(path.join(tmpdir(), 'agentops-research-'));
  process.once('exit', () => rmSync(folder, { recursive: true, force: true }));
  return folder;
}

function createClaudeResearch(config: Config, logger: Logger): Promise<Processor> {
  const claude = config.claude;
  const workdir = claude.workdir === undefined ? createResearchFolder() : resolveWorkdir(claude.workdir);
  logger.info(
    { engine: 'claude', workdir, tools: RESEARCH_TOOLS },
    `[research-worker] Engine: Claude Code (${claude.bin}) with read-only tools (${RESEARCH_TOOLS.join(', ')}) in ${workdir}`,
  );
  return createClaudeProcessor(config, logger, {
    cwd: workdir,
    logPrefix: '[research-worker]',
    permissionMode: 'dontAsk',
    tools: RESEARCH_TOOLS,
    allowedTools: RESEARCH_ALLOWED_TOOLS,
    disallowedTools: RESEARCH_DISALLOWED_TOOLS,
    appendSystemPrompt: CLAUDE_RESEARCH_PROMPT,
  });
}

function createLocalResearch(config: Config, logger: Logger): Processor {
  logger.info(
    { engine: 'local', url: config.lmStudio.url },
    `[research-worker] Engine: LM Studio at ${config.lmStudio.url} (RESEARCH_ENGINE=local; no web access)`,
  );
  return createLmChatProcessor(config, 'research', LOCAL_RESEARCH_PROMPT);
}

export function createResearchProcessor(config: Config, logger: Logger): Processor | Promise<Processor> {
  return config.researchEngine === 'local' ? createLocalResearch(config, logger) : createClaudeResearch(config, logger);
}
