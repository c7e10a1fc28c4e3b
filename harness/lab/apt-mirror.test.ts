import test from 'ava';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeAptSources, findAptMirror, fromDeb822, fromOneLine } from './apt-mirror.ts';

test('reads the mirror from deb822 sources', (t) => {
  const text =
    'Types: deb\nURIs: http://mirror.invalid/debian\nSuites: bookworm bookworm-updates\nComponents: main\n\nTypes: deb\nURIs: http://mirror.invalid/debian-security\nSuites: bookworm-security\n';
  t.deepEqual(fromDeb822(text, 'bookworm'), { uri: 'http://mirror.invalid/debian', suite: 'bookworm' });
  t.deepEqual(fromDeb822(text, 'bookworm-security'), {
    uri: 'http://mirror.invalid/debian-security',
    suite: 'bookworm-security',
  });
  t.is(fromDeb822('Types: deb-src\nURIs: http://x.invalid/\nSuites: bookworm\n', 'bookworm'), undefined);
  t.is(fromDeb822('Enabled: no\nTypes: deb\nURIs: http://x.invalid/\nSuites: bookworm\n', 'bookworm'), undefined);
});

test('reads the mirror from one-line sources', (t) => {
  const text =
    '# comment\ndeb [signed-by=/k.gpg] http://mirror.invalid/debian bookworm main\ndeb http://mirror.invalid/ubuntu jammy main\n';
  t.deepEqual(fromOneLine(text, 'bookworm'), { uri: 'http://mirror.invalid/debian', suite: 'bookworm' });
  t.is(fromOneLine(text, 'trixie'), undefined);
});

/** A temporary /etc/apt with these files. */
function aptRoot(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'wglab-apt-'));
  mkdirSync(join(root, 'sources.list.d'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(root, name), text);
  return root;
}

test('a Debian trixie host: its archive serves bookworm, so the image is bootstrapped from it', (t) => {
  const root = aptRoot({
    'sources.list.d/debian.sources':
      'Types: deb\nURIs: http://mirror.invalid/debian\nSuites: trixie trixie-updates\nComponents: main\n\nTypes: deb\nURIs: http://mirror.invalid/debian-security\nSuites: trixie-security\n',
  });
  t.deepEqual(findAptMirror('bookworm', root), { uri: 'http://mirror.invalid/debian', suite: 'bookworm' });
});

test('a sid host with one-line sources, and a bookworm source preferred where there is one', (t) => {
  t.deepEqual(findAptMirror('bookworm', aptRoot({ 'sources.list': 'deb http://sid.invalid/debian sid main\n' })), {
    uri: 'http://sid.invalid/debian',
    suite: 'bookworm',
  });
  const both = aptRoot({
    'sources.list': 'deb http://sid.invalid/debian sid main\n',
    'sources.list.d/b.list': 'deb http://bookworm.invalid/debian bookworm main\n',
  });
  t.deepEqual(findAptMirror('bookworm', both), { uri: 'http://bookworm.invalid/debian', suite: 'bookworm' });
});

test('an Ubuntu host has no Debian archive: no mirror, and the sources are described for the message', (t) => {
  const root = aptRoot({
    'sources.list.d/ubuntu.sources':
      'Types: deb\nURIs: http://archive.invalid/ubuntu/\nSuites: noble noble-updates\nComponents: main universe\n',
  });
  t.is(findAptMirror('bookworm', root), undefined);
  t.is(describeAptSources(root), 'noble from http://archive.invalid/ubuntu/');
  t.is(
    describeAptSources(aptRoot({ 'sources.list': 'deb [arch=amd64] http://archive.invalid/ubuntu jammy main\n' })),
    'jammy from http://archive.invalid/ubuntu',
  );
  t.is(describeAptSources(aptRoot({})), 'no apt sources');
});
