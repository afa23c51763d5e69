// The service scripts: the Windows PowerShell scripts parse, every script reads
// the one service table, that table points at files the build produces, and the
// systemd units rendered from it restart crashed processes, stop them gently and
// stop the workers before the controller.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Parser from 'tree-sitter';
// The grammar's entry file by name: the package's "types"/"main" name a folder,
// which TypeScript's NodeNext ESM resolution does not look into (and Node warns
// about, DEP0151). Same module, now typed.
import PowerShell from 'tree-sitter-powershell/bindings/node/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/processes.js';
import { NODE_FLAGS } from '@agentops/scripts';

const SCRIPTS = path.join(REPO_ROOT, 'scripts');
const ROOT = realpathSync(REPO_ROOT);
const SEED_SCRIPTS = [
  'bootstrap.ps1',
  'install-services.ps1',
  'start-all.ps1',
  'stop-all.ps1',
  'uninstall-services.ps1',
  'legacy-disable.ps1',
];
const SERVICE_NAMES = [
  'agentops-controller',
  'agentops-local-worker',
  'agentops-code-worker',
  'agentops-research-worker',
];
/** SHUTDOWN_GRACE_MS default (.env.example): the time running jobs get on shutdown. */
const SHUTDOWN_GRACE_MS = 15_000;

const parser = new Parser();
parser.setLanguage(PowerShell);

const powershellFiles = readdirSync(SCRIPTS)
  .filter((name) => /\.(ps1|psm1|psd1)$/.test(name))
  .sort();
const read = (file: string) => readFileSync(path.join(SCRIPTS, file), 'utf8');

/** Every ERROR or MISSING node, as "line:column what". */
function syntaxProblems(source: string): string[] {
  const problems: string[] = [];
  const visit = (node: Parser.SyntaxNode) => {
    const where = `${node.startPosition.row + 1}:${node.startPosition.column + 1}`;
    if (node.isMissing) problems.push(`${where} missing ${node.type}`);
    else if (node.type === 'ERROR') problems.push(`${where} cannot parse ${JSON.stringify(node.text.slice(0, 60))}`);
    else if (node.hasError) for (const child of node.children) visit(child);
  };
  visit(parser.parse(source).rootNode);
  return problems;
}

/** The source without its comments (comments may name anything). */
function codeOf(source: string): string {
  const comments = parser
    .parse(source)
    .rootNode.descendantsOfType('comment')
    .sort((a, b) => b.startIndex - a.startIndex);
  let code = source;
  for (const comment of comments) code = code.slice(0, comment.startIndex) + code.slice(comment.endIndex);
  return code;
}

/** The try statement that holds a script's main body: the last one at the top level. */
function mainTry(source: string): Parser.SyntaxNode {
  const statements = parser
    .parse(source)
    .rootNode.namedChildren.flatMap((child) => (child.type === 'statement_list' ? child.namedChildren : [child]));
  const tries = statements.filter((statement) => statement.type === 'try_statement');
  const last = tries.at(-1);
  if (!last) throw new Error('no top-level try statement');
  return last;
}

interface ServiceRow {
  Name: string;
  Role: string;
  Entry: string;
  StopTimeoutMs: number;
}

/** services.psd1 read through the PowerShell syntax tree: the hash tables with a Name, and the top-level settings. */
function serviceTable(): { services: ServiceRow[]; settings: Record<string, string | number> } {
  const tree = parser.parse(read('services.psd1'));
  // biome-ignore lint/suspicious/noShadowRestrictedNames: a local helper, never Object.prototype.valueOf.
  const valueOf = (entry: Parser.SyntaxNode): [string, string | number] => {
    const [key, value] = entry.namedChildren;
    const text = value?.text.trim() ?? '';
    const literal = /^'(.*)'$/.exec(text)?.[1] ?? (/^\d+$/.test(text) ? Number(text) : text);
    return [key?.text.trim() ?? '', literal];
  };
  const tables = tree.rootNode
    .descendantsOfType('hash_literal_body')
    .map((body) => Object.fromEntries(body.namedChildren.filter((child) => child.type === 'hash_entry').map(valueOf)));
  const services = tables.filter((table) => 'Name' in table) as unknown as ServiceRow[];
  const settings = tables.find((table) => 'Services' in table) ?? {};
  return { services, settings };
}

/** bash by absolute path: some tests run it with a PATH that does not contain it. */
const BASH = ['/bin/bash', '/usr/bin/bash', '/usr/local/bin/bash'].find((candidate) => existsSync(candidate)) ?? 'bash';

function bash(args: string[], env: Record<string, string>, cwd = ROOT): SpawnSyncReturns<string> {
  return spawnSync(BASH, args, { cwd, env, encoding: 'utf8', timeout: 20_000 });
}

describe('the Windows service scripts', () => {
  it('are all there: the six scripts of the seed, the shared module and the service table', () => {
    expect(powershellFiles).toEqual(
      expect.arrayContaining([...SEED_SCRIPTS, 'AgentOps.Services.psm1', 'services.psd1']),
    );
  });

  it('parse without a syntax error under the PowerShell grammar', () => {
    const problems = powershellFiles.flatMap((file) =>
      syntaxProblems(read(file)).map((problem) => `scripts/${file}:${problem}`),
    );
    expect(problems, `syntax errors:\n${problems.join('\n')}`).toEqual([]);
  });

  it('would fail the parse check on broken PowerShell, so the check can fail', () => {
    expect(syntaxProblems('function Start-It {\n  if ($ready) {\n    Start-Service x\n}\n')).toEqual([
      expect.stringMatching(/^4:2 missing }/),
    ]);
    expect(syntaxProblems('$services = @(\n  "a",\n  "b"\n')[0]).toMatch(/^1:1 cannot parse/);
    expect(syntaxProblems('Write-Host "never closed\n')).not.toEqual([]);
    expect(syntaxProblems('Write-Host "fine"\n')).toEqual([]);
  });

  it('never put "$name:" in a double-quoted string, which PowerShell reads as a drive-qualified variable (the grammar accepts it)', () => {
    const scopes = new Set(['env', 'global', 'script', 'local', 'private', 'using', 'variable', 'function', 'alias']);
    const found = powershellFiles.flatMap((file) => {
      const root = parser.parse(read(file)).rootNode;
      const strings = root.descendantsOfType(['expandable_string_literal', 'expandable_here_string_literal']);
      return strings.flatMap((node) =>
        [...node.text.matchAll(/\$([A-Za-z_][A-Za-z0-9_]*):/g)]
          .filter((match) => !scopes.has(match[1]!.toLowerCase()))
          .map(
            (match) =>
              `scripts/${file}:${node.startPosition.row + 1}: "${match[0]}" is read as a drive-qualified variable; write "$($${match[1]}):"`,
          ),
      );
    });
    expect(found).toEqual([]);
  });

  it('are plain ASCII, which Windows PowerShell 5.1 reads correctly without a byte order mark', () => {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the range is all of ASCII, to find anything outside it.
    const nonAscii = powershellFiles.filter((file) => /[^\x00-\x7f]/.test(read(file)));
    expect(nonAscii).toEqual([]);
  });

  it('check administrator rights before anything else and exit non-zero with the error when something fails', () => {
    const module = read('AgentOps.Services.psm1');
    expect(module).toMatch(/IsInRole\(\[System\.Security\.Principal\.WindowsBuiltInRole\]::Administrator\)/);
    expect(module).toMatch(/Run as administrator/);
    for (const file of SEED_SCRIPTS) {
      const body = mainTry(read(file));
      const [block, catches] = body.namedChildren;
      const commands = (block?.namedChildren[0]?.namedChildren ?? [])
        .map((statement) => statement.descendantsOfType('command_name')[0]?.text ?? statement.type)
        .filter((name) => !name.startsWith('Write-'));
      expect(commands[0], `${file}: first action`).toBe('Assert-AgentOpsAdministrator');
      expect(catches?.text, `${file}: its catch`).toMatch(/Write-AgentOpsFailure \$_[\s\S]*exit 1/);
    }
  });

  it('take paths from their own location and node from PATH, with no hard-coded user folder', () => {
    const module = read('AgentOps.Services.psm1');
    expect(module).toMatch(/\$script:RepoRoot = Split-Path -Parent \$PSScriptRoot/);
    expect(module).toMatch(/Get-Command -Name \$Name -CommandType Application/);
    const files = [
      ...powershellFiles,
      'install-systemd.sh',
      ...readdirSync(path.join(SCRIPTS, 'systemd')).map((name) => `systemd/${name}`),
    ];
    const offenders = files.filter((file) => /[a-z]:\\users\\|\/home\/|\/Users\/|jcwoo/i.test(read(file)));
    expect(offenders).toEqual([]);
  });

  it('install services with the NSSM settings of the seed: logs, 10 MB rotation, restart after 5 s, Ctrl+C stop', () => {
    const install = read('install-services.ps1');
    const { settings } = serviceTable();
    expect(settings).toMatchObject({ RotateBytes: 10_485_760, RestartDelayMs: 5000, LogFolder: 'logs' });
    for (const setting of [
      /@\('AppDirectory', \$root\)/,
      /@\('AppParameters', \$parameters\)/,
      /@\('AppStdout', \$service\.StdoutLog\)/,
      /@\('AppStderr', \$service\.StderrLog\)/,
      /@\('AppRotateFiles', '1'\)/,
      /@\('AppRotateOnline', '1'\)/,
      /@\('AppRotateBytes', \$rotateBytes\)/,
      /@\('AppExit', 'Default', 'Restart'\)/,
      /@\('AppRestartDelay', \$restartDelayMs\)/,
      /@\('AppStopMethodSkip', '6'\)/,
      /@\('AppStopMethodConsole', \[string\]\$service\.StopTimeoutMs\)/,
    ]) {
      expect(install).toMatch(setting);
    }
    expect(read('AgentOps.Services.psm1')).toMatch(
      /\$entry\.Name \+ '-stdout\.log'[\s\S]*\$entry\.Name \+ '-stderr\.log'/,
    );
  });
});

describe('the service table (scripts/services.psd1)', () => {
  const { services } = serviceTable();

  it('lists exactly the four AgentOps services, the controller first', () => {
    expect(services.map((service) => service.Name)).toEqual(SERVICE_NAMES);
    expect(services.map((service) => service.Role)).toEqual(['controller', 'worker', 'worker', 'worker']);
  });

  it('points every service at a file the build produced, compiled from src/<name>.ts of a package the root build references', () => {
    const references = (
      JSON.parse(readFileSync(path.join(ROOT, 'tsconfig.json'), 'utf8')) as { references: { path: string }[] }
    ).references.map((reference) => path.normalize(reference.path));
    for (const service of services) {
      const match = /^(.+)\/dist\/([\w-]+)\.js$/.exec(service.Entry);
      expect(match, `${service.Name}: ${service.Entry} is not <package>/dist/<name>.js`).not.toBeNull();
      const [, pkg, name] = match!;
      expect(
        existsSync(path.join(ROOT, service.Entry)),
        `${service.Name}: ${service.Entry} does not exist after npm run build`,
      ).toBe(true);
      const tsconfig = JSON.parse(readFileSync(path.join(ROOT, pkg!, 'tsconfig.json'), 'utf8')) as {
        compilerOptions?: { rootDir?: string; outDir?: string };
      };
      expect(tsconfig.compilerOptions, `${pkg}/tsconfig.json compiles src/ into dist/`).toMatchObject({
        rootDir: 'src',
        outDir: 'dist',
      });
      expect(
        existsSync(path.join(ROOT, pkg!, 'src', `${name}.ts`)),
        `${service.Name}: ${pkg}/src/${name}.ts is missing`,
      ).toBe(true);
      expect(references, `${pkg} is not built by npm run build (tsconfig.json references)`).toContain(
        path.normalize(pkg!),
      );
    }
  });

  it('gives node the same V8 flags as npm start (scripts/src/node-flags.ts)', () => {
    const text = readFileSync(path.join(SCRIPTS, 'services.psd1'), 'utf8');
    expect(/NodeFlags = '([^']*)'/.exec(text)?.[1]).toBe(NODE_FLAGS.join(' '));
    const install = readFileSync(path.join(SCRIPTS, 'install-services.ps1'), 'utf8');
    expect(install).toContain("Get-AgentOpsSetting 'NodeFlags'");
    expect(install).toContain("@('AppParameters', $parameters)");
  });

  it('is the only place the scripts name the services and their entry points', () => {
    expect(read('AgentOps.Services.psm1')).toMatch(
      /Import-PowerShellDataFile -Path \(Join-Path \$PSScriptRoot 'services\.psd1'\)/,
    );
    for (const file of SEED_SCRIPTS)
      expect(read(file)).toMatch(/Import-Module \(Join-Path \$PSScriptRoot 'AgentOps\.Services\.psm1'\)/);
    const literals = [
      ...SERVICE_NAMES,
      ...services.map((service) => service.Entry),
      ...services.map((service) => service.Entry.replaceAll('/', '\\')),
    ];
    const code = [...powershellFiles.filter((file) => file !== 'services.psd1'), 'install-systemd.sh'].flatMap(
      (file) => {
        const source = file.endsWith('.sh') ? read(file) : codeOf(read(file));
        return literals.filter((literal) => source.includes(literal)).map((literal) => `${file}: ${literal}`);
      },
    );
    expect(code).toEqual([]);
  });
});

describe('the systemd units (scripts/install-systemd.sh)', () => {
  const { services } = serviceTable();
  let home: string;
  let dryRun: SpawnSyncReturns<string>;
  let units: Map<string, string>;
  const env = () => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home });

  /** "Key=value" lines of one unit; repeated keys keep every value. */
  const settingsOf = (unit: string) => {
    const settings = new Map<string, string[]>();
    for (const line of unit.split('\n')) {
      const match = /^([A-Za-z]+)=(.*)$/.exec(line);
      if (match) settings.set(match[1]!, [...(settings.get(match[1]!) ?? []), match[2]!]);
    }
    return settings;
  };
  const one = (unit: string, key: string) => settingsOf(unit).get(key)?.join(' ');
  const unitOf = (name: string) => {
    const unit = units.get(name);
    if (!unit) throw new Error(`${name} was not rendered; got ${[...units.keys()].join(', ')}`);
    return unit;
  };

  beforeAll(() => {
    home = mkdtempSync(path.join(os.tmpdir(), 'agentops-systemd-'));
    dryRun = bash([path.join(SCRIPTS, 'install-systemd.sh'), '--dry-run'], env());
    units = new Map();
    const sections = dryRun.stdout.split(/^# ---- (.+) ----$/m);
    for (let i = 1; i < sections.length; i += 2) {
      units.set(sections[i]!, sections[i + 1]!.split(/^# would run:/m)[0]!.trim());
    }
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('passes bash -n', () => {
    const check = bash(['-n', path.join(SCRIPTS, 'install-systemd.sh')], env());
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });

  it('prints the target and one unit per service for the user folder with --dry-run, and writes nothing', () => {
    expect(dryRun.stderr).toBe('');
    expect(dryRun.status).toBe(0);
    const folder = path.join(home, '.config', 'systemd', 'user');
    expect([...units.keys()].sort()).toEqual(
      [...SERVICE_NAMES.map((name) => `${name}.service`), 'agentops.target']
        .map((file) => path.join(folder, file))
        .sort(),
    );
    expect(dryRun.stdout).toContain('# would run: systemctl --user daemon-reload');
    expect(dryRun.stdout).toContain('# would run: systemctl --user enable agentops.target');
    expect(readdirSync(home)).toEqual([]);
  });

  it('run node on the entry points of the service table, from the repository root', () => {
    for (const service of services) {
      const unit = unitOf(path.join(home, '.config', 'systemd', 'user', `${service.Name}.service`));
      expect(one(unit, 'WorkingDirectory')).toBe(ROOT);
      const [node, ...args] = (one(unit, 'ExecStart') ?? '').split(' ');
      expect(path.isAbsolute(node!) && path.basename(node!)).toBe('node');
      expect(args).toEqual([...NODE_FLAGS, path.join(ROOT, service.Entry)]);
    }
  });

  it('restart a crashed process after 5 s and stop it with SIGINT, giving workers more than their shutdown grace', () => {
    for (const service of services) {
      const unit = unitOf(path.join(home, '.config', 'systemd', 'user', `${service.Name}.service`));
      expect(one(unit, 'Restart')).toBe('always');
      expect(one(unit, 'RestartSec')).toBe('5');
      expect(one(unit, 'KillSignal')).toBe('SIGINT');
      expect(one(unit, 'KillMode')).toBe('mixed');
      const timeout = Number(one(unit, 'TimeoutStopSec'));
      expect(timeout * 1000).toBe(service.StopTimeoutMs);
      if (service.Role === 'worker') expect(timeout * 1000).toBeGreaterThan(SHUTDOWN_GRACE_MS);
    }
  });

  it('stop the workers before the controller: workers start after it, all belong to agentops.target', () => {
    const folder = path.join(home, '.config', 'systemd', 'user');
    const target = unitOf(path.join(folder, 'agentops.target'));
    expect(one(target, 'Wants')?.split(' ')).toEqual(SERVICE_NAMES.map((name) => `${name}.service`));
    const after = (name: string) => (one(unitOf(path.join(folder, `${name}.service`)), 'After') ?? '').split(' ');
    for (const name of SERVICE_NAMES) {
      expect(one(unitOf(path.join(folder, `${name}.service`)), 'PartOf')).toBe('agentops.target');
    }
    // systemd stops in the reverse of the start order: the workers, ordered after the controller, stop first.
    for (const worker of SERVICE_NAMES.slice(1)) expect(after(worker)).toContain('agentops-controller.service');
    expect(after('agentops-controller').filter((unit) => unit.startsWith('agentops-'))).toEqual([]);
  });

  it.skipIf(!existsSync('/usr/bin/systemd-analyze') && !existsSync('/bin/systemd-analyze'))(
    'are accepted by systemd-analyze verify',
    () => {
      const folder = mkdtempSync(path.join(os.tmpdir(), 'agentops-units-'));
      try {
        const files = [...units].map(([file, text]) => {
          const copy = path.join(folder, path.basename(file));
          writeFileSync(copy, `${text}\n`);
          return copy;
        });
        const verify = spawnSync('systemd-analyze', ['verify', '--man=no', ...files], {
          encoding: 'utf8',
          timeout: 20_000,
        });
        const complaints = `${verify.stdout}\n${verify.stderr}`.split('\n').filter((line) => line.includes(folder));
        expect(complaints).toEqual([]);
      } finally {
        rmSync(folder, { recursive: true, force: true });
      }
    },
  );

  it('refuses with "npm run build" when the build is missing', () => {
    const copy = mkdtempSync(path.join(os.tmpdir(), 'agentops-unbuilt-'));
    try {
      mkdirSync(path.join(copy, 'scripts'));
      for (const item of ['install-systemd.sh', 'services.psd1', 'systemd'])
        cpSync(path.join(SCRIPTS, item), path.join(copy, 'scripts', item), { recursive: true });
      const run = bash([path.join(copy, 'scripts', 'install-systemd.sh'), '--dry-run'], env(), copy);
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('the build output is missing');
      expect(run.stderr).toContain('npm run build');
      expect(run.stderr).toContain('agentops-controller: controller/dist/server.js');
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it('installs the rendered units, reloads systemd and enables the target; --uninstall stops them in one go and removes them', () => {
    const installHome = mkdtempSync(path.join(os.tmpdir(), 'agentops-install-'));
    const bin = mkdtempSync(path.join(os.tmpdir(), 'agentops-bin-'));
    try {
      // A systemctl that records its arguments, one call per line.
      const calls = path.join(bin, 'calls.txt');
      writeFileSync(path.join(bin, 'systemctl'), `#!${BASH}\nprintf '%s\\n' "$*" >> '${calls}'\n`, { mode: 0o755 });
      const runEnv = { PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`, HOME: installHome };
      const folder = path.join(installHome, '.config', 'systemd', 'user');

      const install = bash([path.join(SCRIPTS, 'install-systemd.sh')], runEnv);
      expect(install.stderr).toBe('');
      expect(install.status).toBe(0);
      for (const [file, text] of units) {
        expect(readFileSync(path.join(folder, path.basename(file)), 'utf8'), path.basename(file)).toBe(`${text}\n`);
      }
      expect(readFileSync(calls, 'utf8').trim().split('\n')).toEqual([
        '--user show-environment',
        '--user daemon-reload',
        '--user enable agentops.target',
      ]);

      rmSync(calls);
      const uninstall = bash([path.join(SCRIPTS, 'install-systemd.sh'), '--uninstall'], runEnv);
      expect(uninstall.status).toBe(0);
      expect(readdirSync(folder)).toEqual([]);
      const stopAll = ['agentops.target', ...SERVICE_NAMES.map((name) => `${name}.service`)].join(' ');
      expect(readFileSync(calls, 'utf8').trim().split('\n')).toEqual([
        '--user show-environment',
        '--user is-active --quiet agentops.target',
        `--user stop ${stopAll}`,
        '--user disable agentops.target',
        '--user daemon-reload',
      ]);
    } finally {
      rmSync(installHome, { recursive: true, force: true });
      rmSync(bin, { recursive: true, force: true });
    }
  });

  it('refuses with a clear message when systemctl is missing', () => {
    const bin = mkdtempSync(path.join(os.tmpdir(), 'agentops-bin-'));
    try {
      symlinkSync(process.execPath, path.join(bin, 'node'));
      const run = bash([path.join(SCRIPTS, 'install-systemd.sh')], { PATH: bin, HOME: home });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('systemctl was not found');
      expect(readdirSync(home)).toEqual([]);
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });
});
