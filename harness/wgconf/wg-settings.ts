import { WglabError } from '../errors.ts';
import { isIpAddress, parseCidr, type Cidr } from '../net/ip.ts';
import { splitList } from './parse-wg-config.ts';
import { sectionsOf, type HookKey, type WgConfig, type WgSection } from './wg-config.ts';

/** What a wg-quick file means, with the line each setting came from. */
export interface WgSettings {
  file?: string;
  interface: InterfaceSettings;
  peers: PeerSettings[];
}

export type TableSetting =
  | { kind: 'auto' }
  | { kind: 'off' }
  | { kind: 'main' }
  | { kind: 'number'; table: number }
  | { kind: 'name'; table: string };

export interface InterfaceSettings {
  line?: number;
  privateKey?: Located<string>;
  addresses: Located<Cidr>[];
  listenPort?: Located<number>;
  table: Located<TableSetting> | { value: { kind: 'auto' }; line?: undefined };
  hooks: Hook[];
}

export interface Hook {
  key: HookKey;
  command: string;
  line?: number;
}

export interface PeerSettings {
  line?: number;
  publicKey?: Located<string>;
  endpoint?: Located<{ host: string; port: number }>;
  allowedIps: Located<Cidr>[];
}

export interface Located<T> {
  value: T;
  line?: number;
}

/** Reads the typed settings of a parsed file; a value wg-quick would refuse throws with its line. */
export function readWgSettings(config: WgConfig): WgSettings {
  const sections = sectionsOf(config);
  const interfaceSection = sections.find((section) => section.name === 'Interface')!;
  return {
    file: config.file,
    interface: readInterface(interfaceSection, config.file),
    peers: sections.filter((section) => section.name === 'Peer').map((section) => readPeer(section, config.file)),
  };
}

function readInterface(section: WgSection, file?: string): InterfaceSettings {
  const settings: InterfaceSettings = { line: section.line, addresses: [], table: { value: { kind: 'auto' } }, hooks: [] };
  for (const entry of section.entries) {
    const bad = (hint: string): never => {
      throw new WglabError(`${entry.key} = ${entry.value} is not valid`, { location: { file, line: entry.line, field: entry.key }, hint });
    };
    switch (entry.key) {
      case 'PrivateKey':
        if (!isWgKey(entry.value)) bad('a key is 44 base64 characters ending in =, as `wg genkey` prints');
        settings.privateKey = { value: entry.value, line: entry.line };
        break;
      case 'Address':
        for (const item of splitList(entry.value)) {
          const cidr = parseCidr(item);
          if (!cidr) bad('Address takes addresses with a prefix, e.g. 10.0.0.1/32');
          settings.addresses.push({ value: cidr!, line: entry.line });
        }
        break;
      case 'ListenPort':
        settings.listenPort = { value: readPort(entry.value) ?? bad('a port is a number from 1 to 65535'), line: entry.line };
        break;
      case 'Table':
        settings.table = { value: readTable(entry.value), line: entry.line };
        break;
      case 'PreUp':
      case 'PostUp':
      case 'PreDown':
      case 'PostDown':
        settings.hooks.push({ key: entry.key, command: entry.value, line: entry.line });
        break;
      default:
        break;
    }
  }
  return settings;
}

function readPeer(section: WgSection, file?: string): PeerSettings {
  const settings: PeerSettings = { line: section.line, allowedIps: [] };
  for (const entry of section.entries) {
    const bad = (hint: string): never => {
      throw new WglabError(`${entry.key} = ${entry.value} is not valid`, { location: { file, line: entry.line, field: entry.key }, hint });
    };
    switch (entry.key) {
      case 'PublicKey':
        if (!isWgKey(entry.value)) bad('a key is 44 base64 characters ending in =, as `wg pubkey` prints');
        settings.publicKey = { value: entry.value, line: entry.line };
        break;
      case 'Endpoint':
        settings.endpoint = { value: readEndpoint(entry.value) ?? bad('Endpoint is host:port, e.g. 203.0.113.2:51822 or [fd00::2]:51822'), line: entry.line };
        break;
      case 'AllowedIPs':
        for (const item of splitList(entry.value)) {
          const cidr = parseCidr(item);
          if (!cidr) bad('AllowedIPs takes addresses or prefixes separated by commas, e.g. 10.0.0.2/32, 203.0.113.2/32');
          settings.allowedIps.push({ value: cidr!, line: entry.line });
        }
        break;
      default:
        break;
    }
  }
  return settings;
}

export function isWgKey(value: string): boolean {
  return /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw480]=$/.test(value);
}

function readPort(value: string): number | undefined {
  if (!/^\d{1,5}$/.test(value)) return undefined;
  const port = Number(value);
  return port >= 1 && port <= 65535 ? port : undefined;
}

function readTable(value: string): TableSetting {
  const lower = value.toLowerCase();
  if (lower === 'auto') return { kind: 'auto' };
  if (lower === 'off') return { kind: 'off' };
  if (lower === 'main' || value === '254') return { kind: 'main' };
  if (/^\d+$/.test(value)) return { kind: 'number', table: Number(value) };
  return { kind: 'name', table: value };
}

function readEndpoint(value: string): { host: string; port: number } | undefined {
  const match = /^\[([^\]]+)\]:(\d+)$/.exec(value) ?? /^([^:\s]+):(\d+)$/.exec(value);
  if (!match) return undefined;
  const port = readPort(match[2]!);
  return port === undefined ? undefined : { host: match[1]!, port };
}

/** The Endpoint host when it is an address (names are not resolved here). */
export function endpointAddress(peer: PeerSettings): string | undefined {
  const host = peer.endpoint?.value.host;
  return host !== undefined && isIpAddress(host) ? host : undefined;
}

/** The table number or name routes go to, as `ip rule … table X` would name it; undefined for main/auto/off. */
export function customTable(table: TableSetting): string | undefined {
  if (table.kind === 'number') return String(table.table);
  if (table.kind === 'name') return table.table;
  return undefined;
}
