import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';

// The shape of harness/: data flows one way, from the scenario at the bottom to the CLI at the top. A unit (a
// folder, or a part of one named here) may import from its own rank and below, never above; no import cycle,
// between files or between units. wg-quick files are read below the routing model; lint asks the model, so it sits
// above it.
const rank: Record<string, number> = {
  'errors.ts': 0,
  net: 0,
  scenario: 0,
  evidence: 1,
  wgconf: 1,
  routing: 2,
  'wgconf/lint': 3,
  'wgconf/hook-commands.ts': 3,
  lab: 4,
  vm: 5,
  verify: 5,
  explain: 5,
  report: 6,
  api: 7,
  'index.ts': 7,
  cli: 8,
};

const root = new URL('./', import.meta.url).pathname;
const sources = (dir: string): string[] =>
  readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sources(join(dir, entry.name))
      : entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')
        ? [join(dir, entry.name)]
        : [],
  );
const files = sources('.').map((file) => normalize(file));
/** The unit a file belongs to: the longest key of `rank` that is the file or a folder above it. */
const folderOf = (file: string) =>
  Object.keys(rank)
    .filter((unit) => file === unit || file.startsWith(`${unit}/`))
    .sort((a, b) => b.length - a.length)[0] ?? file.split('/')[0]!;

/** Every relative import and re-export of a file, as paths under harness/. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  return [...text.matchAll(/^(?:import|export)\s[^;]*?from\s+'(\.{1,2}\/[^']+)'/gms)].map((match) =>
    normalize(join(dirname(file), match[1]!)),
  );
}
const edges = new Map(files.map((file) => [file, importsOf(file)]));

test('every harness/ folder has a rank in the layering', (t) => {
  t.deepEqual(
    [...new Set(files.map(folderOf))].filter((folder) => rank[folder] === undefined),
    [],
  );
});

test('no import reaches up a layer (scenario, net < evidence, wgconf files < routing < lint < lab < verify, explain, vm < report < api < cli)', (t) => {
  const upward = [...edges].flatMap(([file, targets]) =>
    targets
      .filter((target) => (rank[folderOf(target)] ?? 0) > (rank[folderOf(file)] ?? 0))
      .map((target) => `${file} -> ${target}`),
  );
  t.deepEqual(upward, []);
});

test('the CLI goes through the library: harness/cli imports nothing from lab/ or verify/', (t) => {
  const direct = [...edges]
    .filter(([file]) => folderOf(file) === 'cli')
    .flatMap(([file, targets]) =>
      targets.filter((target) => ['lab', 'verify'].includes(folderOf(target))).map((target) => `${file} -> ${target}`),
    );
  t.deepEqual(direct, []);
});

test('no import cycle between files', (t) => {
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const visit = (file: string, path: string[]) => {
    if (state.get(file) === 'done') return;
    if (state.get(file) === 'open') {
      cycles.push([...path.slice(path.indexOf(file)), file].join(' -> '));
      return;
    }
    state.set(file, 'open');
    for (const target of edges.get(file) ?? []) visit(target, [...path, file]);
    state.set(file, 'done');
  };
  for (const file of files) visit(file, []);
  t.deepEqual(cycles, []);
});

test('no import cycle between units (folders, lint apart from the files it reads)', (t) => {
  const folders = new Map<string, Set<string>>();
  for (const [file, targets] of edges)
    for (const target of targets)
      if (folderOf(target) !== folderOf(file))
        folders.set(folderOf(file), new Set([...(folders.get(folderOf(file)) ?? []), folderOf(target)]));
  const both = [...folders].flatMap(([from, tos]) =>
    [...tos].filter((to) => folders.get(to)?.has(from) && from < to).map((to) => `${from} <-> ${to}`),
  );
  t.deepEqual(both, []);
});

test('the layering test sees real imports (a control: index.ts and cli/main.ts import api/)', (t) => {
  t.true((edges.get('index.ts') ?? []).some((target) => target.startsWith('api/')));
  t.true((edges.get('cli/main.ts') ?? []).some((target) => target.startsWith('api/')));
});
