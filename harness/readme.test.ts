import test from 'ava';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// What wglab's messages point users at must exist: README sections named in hints, files named as examples.
const root = new URL('../', import.meta.url).pathname;
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const sources = (dir: string): string[] =>
  readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sources(join(dir, entry.name))
      : entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')
        ? [join(dir, entry.name)]
        : [],
  );

test('every README section a message names exists', (t) => {
  const named = sources('harness').flatMap((file) =>
    [...readFileSync(join(root, file), 'utf8').matchAll(/README "([^"]+)"/g)].map(
      (match) => [file, match[1]!] as const,
    ),
  );
  t.true(named.length > 0);
  for (const [file, section] of named)
    t.regex(
      readme,
      new RegExp(`^#+ ${section.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'm'),
      `${file} names README "${section}"`,
    );
});

test('every scenario file a message or the README names exists', (t) => {
  const texts = [...sources('harness').map((file) => readFileSync(join(root, file), 'utf8')), readme];
  const paths = new Set(
    texts.flatMap((text) => [...text.matchAll(/\bscenarios\/[\w./-]+\.yaml\b/g)].map((match) => match[0])),
  );
  t.true(paths.size > 0);
  for (const path of paths) t.true(existsSync(join(root, path)), path);
});
