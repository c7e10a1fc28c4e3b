/**
 * The wg-quick file model. Every line is kept with its raw text, so a file read and
 * written back is unchanged byte for byte; lines built by code (no `raw`) are written
 * in the canonical `Key = Value` form.
 */
export type WgLine =
  | { type: 'blank'; raw?: string; line?: number }
  | { type: 'comment'; text: string; raw?: string; line?: number }
  | { type: 'section'; name: WgSectionName; raw?: string; line?: number }
  | { type: 'entry'; key: WgKey; value: string; raw?: string; line?: number };

export type WgSectionName = 'Interface' | 'Peer';

export const interfaceKeys = [
  'PrivateKey',
  'Address',
  'ListenPort',
  'FwMark',
  'DNS',
  'MTU',
  'Table',
  'PreUp',
  'PostUp',
  'PreDown',
  'PostDown',
  'SaveConfig',
] as const;
export const peerKeys = ['PublicKey', 'PresharedKey', 'Endpoint', 'AllowedIPs', 'PersistentKeepalive'] as const;
export const hookKeys = ['PreUp', 'PostUp', 'PreDown', 'PostDown'] as const;

export type WgKey = (typeof interfaceKeys)[number] | (typeof peerKeys)[number];
export type HookKey = (typeof hookKeys)[number];

export interface WgConfig {
  /** Where the text came from, for messages. */
  file?: string;
  lines: WgLine[];
  /** Whether the text ended with a newline. */
  finalNewline: boolean;
}

/** One `[Interface]` or `[Peer]` section with its entries, in file order. */
export interface WgSection {
  name: WgSectionName;
  line?: number;
  entries: Extract<WgLine, { type: 'entry' }>[];
}

export function sectionsOf(config: WgConfig): WgSection[] {
  const sections: WgSection[] = [];
  for (const line of config.lines) {
    if (line.type === 'section') sections.push({ name: line.name, line: line.line, entries: [] });
    else if (line.type === 'entry') sections.at(-1)?.entries.push(line);
  }
  return sections;
}
