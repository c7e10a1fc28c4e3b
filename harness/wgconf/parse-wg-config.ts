import { WglabError } from '../errors.ts';
import { interfaceKeys, peerKeys, type WgConfig, type WgKey, type WgLine, type WgSectionName } from './wg-config.ts';

const canonicalKeys = new Map<string, WgKey>([...interfaceKeys, ...peerKeys].map((key) => [key.toLowerCase(), key]));
const sectionKeys: Record<WgSectionName, readonly string[]> = { Interface: interfaceKeys, Peer: peerKeys };

/**
 * Parses a wg-quick file. Keys and section names are case-insensitive; repeated keys
 * (PreUp, Address, AllowedIPs, …) are kept in order; `#` starts a comment, as in wg-quick.
 * Throws a WglabError naming the line for anything wg-quick would reject.
 */
export function parseWgConfig(text: string, file?: string): WgConfig {
  const rawLines = text.split('\n');
  const finalNewline = rawLines.at(-1) === '';
  if (finalNewline) rawLines.pop();
  const lines: WgLine[] = [];
  let section: WgSectionName | undefined;
  rawLines.forEach((raw, index) => {
    const line = index + 1;
    const fail = (message: string, hint: string): never => {
      throw new WglabError(message, { location: { file, line }, hint });
    };
    const content = raw.replace(/\r$/, '').trim();
    if (content === '') return void lines.push({ type: 'blank', raw, line });
    if (content.startsWith('#'))
      return void lines.push({ type: 'comment', text: content.slice(1).trimStart(), raw, line });
    const header = /^\[\s*([^\]]*?)\s*\]\s*(#.*)?$/.exec(content);
    if (header) {
      const name = (['Interface', 'Peer'] as const).find(
        (candidate) => candidate.toLowerCase() === header[1]?.toLowerCase(),
      );
      if (!name)
        fail(`unknown section [${header[1]}]`, 'wg-quick files have one [Interface] and any number of [Peer] sections');
      if (name === 'Interface' && lines.some((other) => other.type === 'section' && other.name === 'Interface')) {
        fail('a second [Interface] section', 'merge it into the first: a wg-quick file has one [Interface]');
      }
      section = name;
      return void lines.push({ type: 'section', name: name!, raw, line });
    }
    const equals = content.indexOf('=');
    if (equals < 0)
      fail(
        `cannot read "${content}": expected Key = Value`,
        'every line is a [Section], a Key = Value entry, a # comment or blank',
      );
    const keyText = content.slice(0, equals).trim();
    const value = content
      .slice(equals + 1)
      .replace(/#.*$/, '')
      .trim();
    const key = canonicalKeys.get(keyText.toLowerCase());
    if (!section)
      fail(`${keyText} comes before any [Interface] or [Peer] section`, 'put it under the section it belongs to');
    if (!key || !sectionKeys[section!].includes(key)) {
      fail(`unknown key ${keyText} in [${section}]`, `[${section}] takes: ${sectionKeys[section!].join(', ')}`);
    }
    lines.push({ type: 'entry', key: key!, value, raw, line });
  });
  if (!lines.some((line) => line.type === 'section' && line.name === 'Interface')) {
    throw new WglabError('no [Interface] section', {
      location: { file },
      hint: 'a wg-quick file starts with [Interface] holding at least PrivateKey',
    });
  }
  return { file, lines, finalNewline };
}

/** Splits a comma list such as AllowedIPs or Address. */
export function splitList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}
