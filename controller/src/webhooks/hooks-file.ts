// The hooks file (HOOKS_FILE): the webhooks this controller accepts at
// `POST /hooks/<name>`, read and checked once at start. JSON, so the
// controller needs no YAML parser. It holds no secret: each hook names the
// variable its secret is in (HOOK_SECRET_<something>, a secret family every
// process scrubs). A mistake stops the controller with a message naming the
// file, the hook and the field.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import {
  AgentOpsError,
  ErrorCode,
  isSecretVariable,
  MAX_JOB_TEXT,
  QUEUE_NAMES,
  type JobPriority,
  type QueueName,
} from '@agentops/core';
import { findWorkspace } from '../workspaces/index.js';
import { DEFAULT_VALUE_LENGTH, templateProblem, type WhenValue } from './template.js';

export const HOOK_NAME = /^[a-z0-9][a-z0-9_-]{0,39}$/;
/** Shortest hook secret accepted. */
export const MIN_HOOK_SECRET = 16;

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const hookSchema = z
  .object({
    signature: z.enum(['github', 'agentops'], { error: 'must be "github" (X-Hub-Signature-256) or "agentops"' }),
    secretEnv: z
      .string({ error: 'must name the variable that holds the secret, e.g. HOOK_SECRET_GITHUB' })
      .refine((name) => name.startsWith('HOOK_SECRET_') && isSecretVariable(name), {
        error: 'must be a variable named HOOK_SECRET_<NAME> (capitals, digits and _)',
      }),
    events: z.array(z.string().min(1)).min(1).optional(),
    when: z
      .record(
        z.string().regex(/^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/, { error: 'must be a path such as a.b.0' }),
        z.union([scalar, z.array(scalar).min(1)]),
      )
      .default({}),
    text: z
      .string({ error: 'must be the job text template, e.g. "fix the failing test in {{repository.full_name}}"' })
      .min(1)
      .max(MAX_JOB_TEXT)
      .superRefine((text, ctx) => {
        const problem = templateProblem(text);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
    queue: z.enum(QUEUE_NAMES, { error: `must be one of ${QUEUE_NAMES.join(', ')}` }).optional(),
    priority: z.union([z.literal(1), z.literal(2), z.literal(3)], { error: 'must be 1, 2 or 3' }).default(3),
    workspace: z.string().min(1).optional(),
    maxValueLength: z.number().int().min(1).max(2_000).default(DEFAULT_VALUE_LENGTH),
  })
  .strict();

const fileSchema = z
  .object({
    hooks: z.record(
      z.string().regex(HOOK_NAME, { error: 'hook names are lower-case letters, digits, _ and - (up to 40)' }),
      hookSchema,
    ),
  })
  .strict();

export interface Hook {
  name: string;
  signature: 'github' | 'agentops';
  /** The variable the secret came from (for messages); the value is `secret`. */
  secretEnv: string;
  secret: string;
  /** X-GitHub-Event / X-AgentOps-Event values accepted; absent: any. */
  events?: string[];
  when: Record<string, WhenValue>;
  text: string;
  queue?: QueueName;
  priority: JobPriority;
  workspace?: string;
  maxValueLength: number;
}

function invalid(file: string, problems: string[]): AgentOpsError {
  return new AgentOpsError(
    ErrorCode.ConfigInvalid,
    `The hooks file ${file} (HOOKS_FILE) is invalid:\n  - ${problems.join('\n  - ')}\nFix it (docs/api.md#webhooks) or unset HOOKS_FILE, then start the controller again.`,
    { details: { file, problems } },
  );
}

function where(path: readonly PropertyKey[]): string {
  const [top, name, field, ...rest] = path.map(String);
  if (top !== 'hooks' || name === undefined) return path.length > 0 ? `"${path.map(String).join('.')}"` : 'the file';
  return `hook "${name}"${field ? `, field "${[field, ...rest].join('.')}"` : ''}`;
}

/** The hooks declared in `text` (the file's content), with their secrets from `env`. Pure. */
export function parseHooksFile(
  text: string,
  file: string,
  env: Readonly<Record<string, string | undefined>>,
  workspaceNames: readonly string[],
): Hook[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw invalid(file, [`it is not valid JSON (${(error as Error).message})`]);
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success)
    throw invalid(
      file,
      parsed.error.issues.map((issue) =>
        issue.code === 'invalid_key'
          ? `${where(issue.path)}: the name must be lower-case letters, digits, _ and - (up to 40)`
          : `${where(issue.path)}: ${issue.message}`,
      ),
    );
  const problems: string[] = [];
  const hooks: Hook[] = [];
  for (const [name, entry] of Object.entries(parsed.data.hooks)) {
    const secret = env[entry.secretEnv]?.trim() ?? '';
    if (secret.length < MIN_HOOK_SECRET)
      problems.push(
        `hook "${name}": ${entry.secretEnv} ${secret ? `is shorter than ${MIN_HOOK_SECRET} characters` : 'is not set'}; put the hook's secret there (e.g. openssl rand -hex 32)`,
      );
    const workspace = entry.workspace === undefined ? undefined : findWorkspace(workspaceNames, entry.workspace);
    if (entry.workspace !== undefined && !workspace)
      problems.push(
        `hook "${name}", field "workspace": "${entry.workspace}" is not a CODE_WORKSPACES name (${workspaceNames.join(', ') || 'none configured'})`,
      );
    hooks.push({
      name,
      signature: entry.signature,
      secretEnv: entry.secretEnv,
      secret,
      ...(entry.events ? { events: entry.events } : {}),
      when: entry.when,
      text: entry.text,
      ...(entry.queue ? { queue: entry.queue } : {}),
      priority: entry.priority,
      ...(workspace ? { workspace } : {}),
      maxValueLength: entry.maxValueLength,
    });
  }
  if (problems.length > 0) throw invalid(file, problems);
  return hooks;
}

/** Reads and checks HOOKS_FILE. */
export function loadHooksFile(
  file: string,
  env: Readonly<Record<string, string | undefined>>,
  workspaceNames: readonly string[],
): Hook[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw invalid(file, [`it cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`]);
  }
  return parseHooksFile(text, file, env, workspaceNames);
}
