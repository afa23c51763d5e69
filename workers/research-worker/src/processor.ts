// The research queue's work. RESEARCH_ENGINE=claude (the default): Claude
// Code with read-only tools writes a sourced report. RESEARCH_ENGINE=local:
// the LLM loaded in LM Studio writes the report from what it knows.
//
// Read-only and confined, measured with the CLI (v2.1.330): `--tools` leaves
// the session only the listed tools, `--disallowedTools` removes the writing
// ones from subagents too, and `dontAsk` refuses anything not pre-approved.
// Only the web tools are pre-approved. `--restricted` keeps Read, Grep and
// Glob inside the working folder whatever a permission rule says (symlinks
// out of it included) and ignores the user's, the project's and local
// settings files, so a `permissions.allow` or `additionalDirectories` in the
// workstation owner's ~/.claude/settings.json cannot open the code folder or
// ~/.ssh to a page that tells the model to read them. No `--add-dir`; no MCP
// servers. The working folder is an empty one per job thread (so a follow-up
// resumes the session there) unless RESEARCH_WORKDIR names one (workdir.ts),
// never CODE_WORKDIR by default.
import type { Config, Logger } from '@agentops/core';
import {
  createClaudeProcessor,
  createLmChatProcessor,
  type ClaudeJobFlags,
  type ClaudeProcessorOptions,
  type Processor,
} from '@agentops/worker-kit';
import { CLAUDE_RESEARCH_PROMPT, LOCAL_RESEARCH_PROMPT } from './prompts.js';
import { chooseResearchFolder, sweepThreadFolders, threadFolders, type ResearchFolder } from './workdir.js';

/** The tools a research run has at all. */
export const RESEARCH_TOOLS = ['WebSearch', 'WebFetch', 'Read', 'Grep', 'Glob'] as const;
/** Pre-approved: the web tools. Reads need no approval inside the working folder and are refused outside it. */
export const RESEARCH_ALLOWED_TOOLS = ['WebSearch', 'WebFetch'] as const;
export const RESEARCH_DISALLOWED_TOOLS = ['Write', 'Edit', 'MultiEdit', 'NotebookEdit', 'Bash'] as const;

/** Every flag of a research run; CLAUDE_PERMISSION_MODE and CLAUDE_ALLOWED_TOOLS are the code worker's, never these. */
export const RESEARCH_FLAGS: ClaudeJobFlags = {
  permissionMode: 'dontAsk',
  tools: RESEARCH_TOOLS,
  allowedTools: RESEARCH_ALLOWED_TOOLS,
  disallowedTools: RESEARCH_DISALLOWED_TOOLS,
  restricted: true,
  strictMcpConfig: true,
  // Kept (in Claude Code's own store, under the worker's HOME): a follow-up in the thread resumes the session.
  noSessionPersistence: false,
  appendSystemPrompt: CLAUDE_RESEARCH_PROMPT,
};

function describeFolder(folder: ResearchFolder): string {
  return folder.kind === 'per-thread'
    ? `an empty folder per job thread under ${folder.base}`
    : `RESEARCH_WORKDIR ${folder.path}`;
}

const SWEEP_EVERY_MS = 3_600_000;

function createClaudeResearch(config: Config, logger: Logger): Promise<Processor> {
  const folder = chooseResearchFolder(config);
  const cwd: ClaudeProcessorOptions['cwd'] = folder.kind === 'per-thread' ? threadFolders(folder.base) : folder.path;
  if (folder.kind === 'per-thread') {
    const sweep = () => sweepThreadFolders(folder.base, config.conversations.days, logger);
    sweep();
    setInterval(sweep, SWEEP_EVERY_MS).unref();
  }
  logger.info(
    { engine: 'claude', workdir: folder.kind === 'per-thread' ? folder.base : folder.path, tools: RESEARCH_TOOLS },
    `[research-worker] Engine: Claude Code (${config.claude.bin}) with read-only tools (${RESEARCH_TOOLS.join(', ')}) in ${describeFolder(folder)}`,
  );
  if (folder.kind === 'configured' && folder.codeFolder)
    logger.warn(
      { workdir: folder.path, codeWorkdir: config.claude.workdir },
      '[research-worker] RESEARCH_WORKDIR shares files with CODE_WORKDIR: research jobs, which anyone allowed may start, can read the code folder (its .env included). Unset RESEARCH_WORKDIR to give each job an empty folder.',
    );
  return createClaudeProcessor(config, logger, {
    ...RESEARCH_FLAGS,
    cwd,
    workdirVariable: 'RESEARCH_WORKDIR',
    logPrefix: '[research-worker]',
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
