// Every variable the configuration reads is documented in docs/configuration.md,
// one table row each, and the page names no variable the configuration does not read.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, SECRET_VARIABLES } from '@agentops/core';
import { REPO_ROOT } from '../support/processes.js';

const page = readFileSync(path.join(REPO_ROOT, 'docs', 'configuration.md'), 'utf8');
/** First cells of the table rows: | `NAME` | default | meaning | */
const documented = [...page.matchAll(/^\|\s*`([A-Z][A-Z0-9_]+)`\s*\|/gm)].map((match) => match[1] ?? '');

describe('docs/configuration.md', () => {
  it('has a row for every variable loadConfig reads', () => {
    const missing = CONFIG_VARIABLES.filter((name) => !documented.includes(name));
    expect(missing, `add a row for each to docs/configuration.md`).toEqual([]);
  });

  it('documents no variable loadConfig does not read, and each once', () => {
    const unknown = documented.filter((name) => !(CONFIG_VARIABLES as readonly string[]).includes(name));
    expect(unknown).toEqual([]);
    expect(new Set(documented).size).toBe(documented.length);
  });

  it('lists every secret among the secrets', () => {
    const secrets = page.slice(page.indexOf('## Secrets'));
    for (const name of Object.keys(SECRET_VARIABLES)) expect(secrets).toContain(`\`${name}\``);
  });
});
