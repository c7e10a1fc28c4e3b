import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';

// The shape of harness/: data flows one way, from the scenario at the bottom to the CLI at the top. A folder may
// import from its own rank and below, never above; no import cycle, between files or between folders.
const rank: Record<string, number> = {
  'errors.ts': 0,
  net: 0,
  scenario: 0,
  evidence: 1,
  routing: 1,
  wgconf: 1,
  lab: 2,
  vm: 3,
  verify: 3,
  report: 4,
  api: 5,
  'index.ts': 5,
  cli: 6,
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
const folderOf = (file: string) => file.split('/')[0]!;

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

test('no import reaches up a layer (scenario, net < evidence, routing, wgconf < lab < vm, verify < report < api < cli)', (t) => {
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

test('no import cycle between folders', (t) => {
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
