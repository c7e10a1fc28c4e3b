// Mutation testing of the modules that decide outcomes, each against its own unit tests (Stryker, AVA through its
// command runner; settings in stryker.config.mjs). Prints `mutation-score MODULE N` per module and overall.
//   npm run mutation                               every module below
//   npm run mutation -- harness/evidence/flows.ts  only the modules given (a directory: every module in it)
//   npm run mutation -- --list                     which modules, against which tests, without running them
// Reports: reports/mutation/<module>.html and .json (not in git). Slow: minutes per module on two cores.
import { Stryker } from '@stryker-mutator/core';
import type { MutantResult } from '@stryker-mutator/api/core';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Directories whose every module is mutated, and single modules; a module's tests sit beside it. */
const defaultModules = [
  // run-check, run-checks and lab-pool drive Docker; their pure parts live in modules of their own.
  ...modulesIn('harness/verify', ['run-check.ts', 'run-checks.ts', 'lab-pool.ts']),
  ...modulesIn('harness/evidence'),
  ...modulesIn('harness/wgconf/lint'),
  ...modulesIn('harness/routing'), // the routing model behind wglab explain and lint
  ...modulesIn('harness/explain'), // its walk over the lab: MTUs, the NAT clock, predictions
  'harness/wgconf/parse-wg-config.ts',
  'harness/lab/lab-resources.ts',
  'harness/lab/node-setup.ts',
  'harness/lab/services.ts',
  // Which engine addresses a run takes (dockerodeOptions, engineUrls) and how many labs each engine runs (labsFor).
  'harness/lab/engine.ts',
  'harness/lab/engine-speed.ts',
  // What each check kind's client printed and its server logged, read into evidence; where a check goes.
  'harness/verify/kinds/client-output.ts',
  'harness/scenario/check-target.ts',
  // The order a scenario's checks run in, for the lab and the model alike.
  'harness/scenario/check-order.ts',
];

function modulesIn(dir: string, except: string[] = []): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts') && !except.includes(name))
    .sort()
    .map((name) => join(dir, name));
}

/** The modules a file imports for their code (not `import type`), by relative path. */
function importsOf(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  return [...source.matchAll(/^(?:import|export) (?!type )[^;]*?from '(\.{1,2}\/[^']+\.ts)'/gm)].map((match) =>
    join(dirname(file), match[1]!),
  );
}

function reaches(file: string, target: string, seen = new Set<string>()): boolean {
  if (file === target) return true;
  if (seen.has(file) || !existsSync(file)) return false;
  seen.add(file);
  return importsOf(file).some((imported) => dirname(imported) === dirname(target) && reaches(imported, target, seen));
}

/** A module's own unit tests: the tests in its directory that run its code, directly or through a sibling module. */
function testsOf(module: string): string[] {
  const dir = dirname(module);
  return readdirSync(dir)
    .filter((name) => name.endsWith('.test.ts'))
    .map((name) => join(dir, name))
    .filter((test) => reaches(test, module))
    .sort();
}

/** AVA's command line, by absolute path: the sandbox Stryker runs the tests in finds it even through a symlinked node_modules. */
const avaCli = join(dirname(fileURLToPath(import.meta.resolve('ava'))), 'cli.mjs');

interface Score {
  module: string;
  detected: number;
  valid: number;
  survivors: MutantResult[];
}

async function mutate(module: string): Promise<Score> {
  const tests = testsOf(module);
  const slug = module.replace(/\.ts$/, '').replaceAll('/', '.');
  // With no unit test, every mutant survives: the command that stands in for the tests runs nothing and passes.
  const command = tests.length > 0 ? `node ${avaCli} ${tests.join(' ')}` : 'node -e ""';
  console.log(
    `mutating ${module} against ${tests.length > 0 ? tests.map((test) => basename(test)).join(', ') : 'no unit test'}`,
  );
  const started = performance.now();
  const results = await new Stryker({
    configFile: 'stryker.config.mjs',
    mutate: [module],
    commandRunner: { command },
    htmlReporter: { fileName: `reports/mutation/${slug}.html` },
    jsonReporter: { fileName: `reports/mutation/${slug}.json` },
  }).runMutationTest();
  const count = (...statuses: string[]) => results.filter((result) => statuses.includes(result.status)).length;
  const score = {
    module,
    detected: count('Killed', 'Timeout'),
    valid: count('Killed', 'Timeout', 'Survived', 'NoCoverage'),
    survivors: results.filter((result) => result.status === 'Survived' || result.status === 'NoCoverage'),
  };
  console.log(
    `  ${score.detected} of ${score.valid} mutants detected in ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
  return score;
}

const percent = (detected: number, valid: number) => (valid === 0 ? 'n/a' : ((100 * detected) / valid).toFixed(1));

/** `survived FILE:LINE:COLUMN Mutator: original → replacement`, cut to the part that differs. */
function describeSurvivor(result: MutantResult): string {
  const { start, end } = result.location;
  const lines = readFileSync(result.fileName, 'utf8').split('\n');
  const original =
    start.line === end.line
      ? lines[start.line - 1]!.slice(start.column - 1, end.column - 1)
      : [
          lines[start.line - 1]!.slice(start.column - 1),
          ...lines.slice(start.line, end.line - 1),
          lines[end.line - 1]!.slice(0, end.column - 1),
        ].join('\n');
  const replacement = result.replacement ?? '';
  let prefix = 0;
  while (prefix < original.length && prefix < replacement.length && original[prefix] === replacement[prefix])
    prefix += 1;
  let suffix = 0;
  while (
    suffix < original.length - prefix &&
    suffix < replacement.length - prefix &&
    original.at(-1 - suffix) === replacement.at(-1 - suffix)
  )
    suffix += 1;
  const context = 12;
  const cut = (text: string) => {
    const from = Math.max(0, prefix - context);
    const to = Math.min(text.length, text.length - suffix + context);
    return `${from > 0 ? '…' : ''}${text.slice(from, to)}${to < text.length ? '…' : ''}`.replace(/\s+/g, ' ');
  };
  return `  survived ${relative('.', result.fileName)}:${start.line}:${start.column} ${result.mutatorName}: ${cut(original)} → ${cut(replacement)}`;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2).filter((arg) => arg !== '--');
  const list = args.includes('--list');
  const asked = args.filter((arg) => arg !== '--list');
  const missing = asked.filter((module) => !existsSync(module));
  if (missing.length > 0) {
    console.error(
      `wglab: no such module: ${missing.join(', ')}\ngive paths like harness/evidence/flows.ts or harness/wgconf/lint, from the repository's root`,
    );
    process.exit(2);
  }
  const modules =
    asked.length > 0
      ? asked.flatMap((path) => (statSync(path).isDirectory() ? modulesIn(path) : [relative('.', path)]))
      : defaultModules;
  if (list) {
    for (const module of modules) console.log(`${module}: ${testsOf(module).join(' ') || 'no unit test'}`);
    return;
  }
  const scores: Score[] = [];
  for (const module of modules) scores.push(await mutate(module));
  console.log('');
  for (const score of scores) for (const survivor of score.survivors) console.log(describeSurvivor(survivor));
  for (const score of scores) console.log(`mutation-score ${score.module} ${percent(score.detected, score.valid)}`);
  const total = (key: 'detected' | 'valid') => scores.reduce((sum, score) => sum + score[key], 0);
  console.log(`mutation-score overall ${percent(total('detected'), total('valid'))}`);
}

await main();
