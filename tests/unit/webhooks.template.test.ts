// Hook templates: placeholders are paths looked up among the payload's own
// properties, values cleaned and cut, nothing evaluated; `when` matches
// fields against values.
import { describe, expect, it } from 'vitest';
import { lookup, matchWhen, renderTemplate, templateProblem } from '@agentops/controller';

const run = {
  action: 'completed',
  workflow_run: { name: 'CI', conclusion: 'failure', head_branch: 'main', pull_requests: [{ number: 7 }] },
  repository: { full_name: 'acme/api' },
};

describe('renderTemplate', () => {
  it('fills placeholders by path, arrays by index', () => {
    expect(
      renderTemplate(
        'fix the failing test in {{repository.full_name}}: {{ workflow_run.name }} on {{workflow_run.head_branch}} (PR {{workflow_run.pull_requests.0.number}})',
        run,
      ),
    ).toBe('fix the failing test in acme/api: CI on main (PR 7)');
  });

  it('renders missing values, objects and the prototype as nothing', () => {
    expect(renderTemplate('[{{nope.deeper}}][{{workflow_run}}][{{constructor}}][{{__proto__}}]', run)).toBe('[][][][]');
    expect(lookup(run, 'toString')).toBeUndefined();
  });

  it('cleans values (controls, invisible characters, line breaks) and cuts them', () => {
    const payload = { title: 'a\u0000b\u200Bc\nnext line', long: 'x'.repeat(500) };
    expect(renderTemplate('{{title}}', payload)).toBe('abc next line');
    expect(renderTemplate('{{long}}', payload, 20).length).toBeLessThanOrEqual(20);
  });

  it('never evaluates anything', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the point is that ${…} in a template or a value stays plain text
    const rendered = renderTemplate('{{ process.exit(1) }} ${1+1} {{a}}', { a: '`${2+2}`' });
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the expected text holds ${…} as plain text
    expect(rendered).toBe('{{ process.exit(1) }} ${1+1} `${2+2}`');
    expect(templateProblem('{{ process.exit(1) }}')).toMatch(/not a placeholder/);
    expect(templateProblem('ok {{a.b}}')).toBeUndefined();
  });
});

describe('matchWhen', () => {
  it('matches every field against a value or a list of values', () => {
    expect(matchWhen({ action: 'completed', 'workflow_run.conclusion': ['failure', 'timed_out'] }, run)).toEqual({
      matched: true,
    });
    expect(matchWhen({}, run)).toEqual({ matched: true });
  });

  it('says which field did not match', () => {
    expect(matchWhen({ 'workflow_run.conclusion': 'success' }, run)).toEqual({
      matched: false,
      field: 'workflow_run.conclusion',
      reason: 'workflow_run.conclusion is failure, not "success"',
    });
    expect(matchWhen({ missing: true }, run)).toMatchObject({ matched: false, field: 'missing' });
  });
});
