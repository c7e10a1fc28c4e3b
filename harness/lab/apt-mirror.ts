import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A Debian archive the host's apt already uses, and the suite to bootstrap from it. */
export interface AptMirror {
  uri: string;
  suite: string;
}

/** Debian's suites and codenames: an archive that serves one of them serves the others (bookworm included). */
const debianSuites = new Set([
  'bullseye',
  'bookworm',
  'trixie',
  'forky',
  'duke',
  'sid',
  'unstable',
  'testing',
  'stable',
  'oldstable',
  'oldoldstable',
]);

/**
 * Reads the host's apt sources (one-line `sources.list` files and deb822 `.sources` files) and returns the
 * first archive that carries `suite`; failing that, the host's Debian archive of another release (a trixie or
 * sid host's mirror also serves bookworm). The mirror comes only from the host's own configuration.
 */
export function findAptMirror(suite: string, root = '/etc/apt'): AptMirror | undefined {
  const sources = readSources(root);
  for (const { file, text } of sources) {
    const found = file.endsWith('.sources') ? fromDeb822(text, suite) : fromOneLine(text, suite);
    if (found) return found;
  }
  for (const other of debianSuites) {
    for (const { file, text } of sources) {
      const found = file.endsWith('.sources') ? fromDeb822(text, other) : fromOneLine(text, other);
      if (found) return { uri: found.uri, suite };
    }
  }
  return undefined;
}

/** The first suite the host's apt sources name, to say what the host has when it has no Debian archive. */
export function describeAptSources(root = '/etc/apt'): string {
  for (const { text } of readSources(root)) {
    const oneLine = /^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/m.exec(text);
    if (oneLine) return `${oneLine[2]} from ${oneLine[1]}`;
    const uri = /^URIs:\s*(\S+)/im.exec(text);
    const suites = /^Suites:\s*(\S+)/im.exec(text);
    if (uri && suites) return `${suites[1]} from ${uri[1]}`;
  }
  return 'no apt sources';
}

function readSources(root: string): { file: string; text: string }[] {
  const files: string[] = [];
  if (existsSync(join(root, 'sources.list'))) files.push(join(root, 'sources.list'));
  const dir = join(root, 'sources.list.d');
  if (existsSync(dir))
    files.push(
      ...readdirSync(dir)
        .filter((name) => /\.(list|sources)$/.test(name))
        .sort()
        .map((name) => join(dir, name)),
    );
  return files.map((file) => ({ file, text: readFileSync(file, 'utf8') }));
}

export function fromOneLine(text: string, suite: string): AptMirror | undefined {
  for (const line of text.split('\n')) {
    const words = line
      .replace(/#.*/, '')
      .replace(/\[[^\]]*\]/, '')
      .trim()
      .split(/\s+/);
    if (words[0] === 'deb' && words[2] === suite && words[1]) return { uri: words[1], suite };
  }
  return undefined;
}

export function fromDeb822(text: string, suite: string): AptMirror | undefined {
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    for (const line of stanza.split('\n')) {
      const match = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
      if (match) fields.set(match[1]!.toLowerCase(), match[2]!.trim());
    }
    if (fields.get('enabled') === 'no' || !(fields.get('types') ?? '').split(/\s+/).includes('deb')) continue;
    const uri = (fields.get('uris') ?? '').split(/\s+/)[0];
    if (uri && (fields.get('suites') ?? '').split(/\s+/).includes(suite)) return { uri, suite };
  }
  return undefined;
}
