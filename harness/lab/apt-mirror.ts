import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A Debian archive the host's apt already uses, and the suite to bootstrap from it. */
export interface AptMirror {
  uri: string;
  suite: string;
}

/**
 * Reads the host's apt sources (one-line `sources.list` files and deb822 `.sources` files) and returns the
 * first archive that carries `suite`. The mirror comes only from the host's own configuration.
 */
export function findAptMirror(suite: string, root = '/etc/apt'): AptMirror | undefined {
  const files: string[] = [];
  if (existsSync(join(root, 'sources.list'))) files.push(join(root, 'sources.list'));
  const dir = join(root, 'sources.list.d');
  if (existsSync(dir)) files.push(...readdirSync(dir).filter((name) => /\.(list|sources)$/.test(name)).sort().map((name) => join(dir, name)));
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const found = file.endsWith('.sources') ? fromDeb822(text, suite) : fromOneLine(text, suite);
    if (found) return found;
  }
  return undefined;
}

export function fromOneLine(text: string, suite: string): AptMirror | undefined {
  for (const line of text.split('\n')) {
    const words = line.replace(/#.*/, '').replace(/\[[^\]]*\]/, '').trim().split(/\s+/);
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
