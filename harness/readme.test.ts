import test from 'ava';
import { execa } from 'execa';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';

// What wglab's messages and its documents point users at must exist: sections named in hints
// (`see docs/scenarios.md "Writing a scenario"`), files named as examples, and every relative link.
const root = new URL('../', import.meta.url).pathname;
const docs = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];
// Pages written on other branches, linked before they land: checked like any other once they exist.
const pending = new Set(['docs/architecture.md', 'docs/ci.md', 'docs/explain.md']);
const read = (file: string): string => readFileSync(join(root, file), 'utf8');
const sources = (dir: string): string[] =>
  readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sources(join(dir, entry.name))
      : entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')
        ? [join(dir, entry.name)]
        : [],
  );
// Headings outside fenced code blocks: `# name` lines inside a YAML or shell example are not sections.
const headings = (text: string): string[] =>
  text
    .replace(/^```[\s\S]*?^```/gm, '')
    .split('\n')
    .filter((line) => /^#+ /.test(line))
    .map((line) => line.replace(/^#+ /, ''));
// GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens, repeats numbered.
const anchors = (text: string): Set<string> => {
  const seen = new Map<string, number>();
  return new Set(
    headings(text).map((heading) => {
      const slug = heading
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, '')
        .replace(/ /g, '-');
      const count = seen.get(slug) ?? 0;
      seen.set(slug, count + 1);
      return count === 0 ? slug : `${slug}-${count}`;
    }),
  );
};

test('every section a message names exists, in the document it names', (t) => {
  const named = sources('harness').flatMap((file) =>
    [...read(file).matchAll(/\b(README(?:\.md)?|docs\/[\w-]+\.md) "([^"]+)"/g)].map(
      (match) => [file, match[1]!.replace(/^README$/, 'README.md'), match[2]!] as const,
    ),
  );
  t.true(named.length > 0);
  for (const [file, doc, section] of named) {
    t.true(existsSync(join(root, doc)), `${file} names ${doc}, which does not exist`);
    if (!existsSync(join(root, doc))) continue;
    t.true(
      headings(read(doc)).some((heading) => heading.startsWith(section)),
      `${file} names ${doc} "${section}", which has no such heading`,
    );
  }
});

test('every scenario file a message, the README or a page of docs/ names exists', (t) => {
  const texts = [...sources('harness').map(read), ...docs.map(read)];
  const paths = new Set(
    texts.flatMap((text) => [...text.matchAll(/\bscenarios\/[\w./-]+\.yaml\b/g)].map((match) => match[0])),
  );
  t.true(paths.size > 0);
  for (const path of paths) t.true(existsSync(join(root, path)), path);
});

test('every relative link in the README and docs/ points at a file that exists, and at a heading it has', (t) => {
  let links = 0;
  for (const doc of docs) {
    const text = read(doc).replace(/^```[\s\S]*?^```/gm, '');
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/i.test(target!)) continue;
      links++;
      const [path, anchor] = target!.split('#') as [string, string | undefined];
      const file = path === '' ? doc : normalize(join(dirname(doc), path));
      if (pending.has(file) && !existsSync(join(root, file))) {
        t.log(`${doc} links to ${file}, not written yet`);
        continue;
      }
      t.true(existsSync(join(root, file)), `${doc} links to ${target}: no ${file}`);
      if (anchor === undefined || !existsSync(join(root, file)) || !file.endsWith('.md')) continue;
      t.true(anchors(read(file)).has(anchor), `${doc} links to ${target}: ${file} has no heading #${anchor}`);
    }
  }
  t.log(`${links} relative links in ${docs.length} documents`);
});

// The command names `--help` lists: the first word of each line indented by two in the "Commands:" block.
const commandsOf = (help: string): string[] =>
  [...(help.split(/^Commands:\n/m)[1]?.split('\n\n')[0] ?? '').matchAll(/^ {2}([a-z][\w-]*)/gm)].map(
    (match) => match[1]!,
  );

test("every command wglab --help lists has a row in the README's command table", async (t) => {
  const readme = read('README.md');
  const wglab = (...args: string[]) => execa('node', ['bin/wglab.js', ...args], { cwd: root });
  const commands = commandsOf((await wglab('--help')).stdout);
  t.true(commands.includes('run') && commands.includes('vm'), commands.join(' '));
  for (const command of commands)
    t.regex(readme, new RegExp(`^\\| \`wglab ${command}\\b`, 'm'), `README has no row for wglab ${command}`);
  for (const command of commandsOf((await wglab('vm', '--help')).stdout).filter((name) => name !== 'help'))
    t.true(readme.includes(`vm ${command}\``), `README's command table names wglab vm ${command}`);
});
