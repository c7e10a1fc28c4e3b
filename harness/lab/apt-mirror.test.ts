import test from 'ava';
import { fromDeb822, fromOneLine } from './apt-mirror.ts';

test('reads the mirror from deb822 sources', (t) => {
  const text = 'Types: deb\nURIs: http://mirror.invalid/debian\nSuites: bookworm bookworm-updates\nComponents: main\n\nTypes: deb\nURIs: http://mirror.invalid/debian-security\nSuites: bookworm-security\n';
  t.deepEqual(fromDeb822(text, 'bookworm'), { uri: 'http://mirror.invalid/debian', suite: 'bookworm' });
  t.deepEqual(fromDeb822(text, 'bookworm-security'), { uri: 'http://mirror.invalid/debian-security', suite: 'bookworm-security' });
  t.is(fromDeb822('Types: deb-src\nURIs: http://x.invalid/\nSuites: bookworm\n', 'bookworm'), undefined);
  t.is(fromDeb822('Enabled: no\nTypes: deb\nURIs: http://x.invalid/\nSuites: bookworm\n', 'bookworm'), undefined);
});

test('reads the mirror from one-line sources', (t) => {
  const text = '# comment\ndeb [signed-by=/k.gpg] http://mirror.invalid/debian bookworm main\ndeb http://mirror.invalid/ubuntu jammy main\n';
  t.deepEqual(fromOneLine(text, 'bookworm'), { uri: 'http://mirror.invalid/debian', suite: 'bookworm' });
  t.is(fromOneLine(text, 'trixie'), undefined);
});
