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
  /** FwMark as a decimal number; absent for none or `off`. */
  fwMark?: Located<number>;
  /** `MTU =`: the last one, as wg-quick reads it; absent when unset, empty or not a valid MTU. */
  mtu?: Located<number>;
  saveConfig?: Located<boolean>;
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
  presharedKey?: Located<string>;
}

/** A value wg-quick would refuse, when the reader is asked to collect rather than throw. */
export interface SettingsProblem {
  key: string;
  value: string;
  line?: number;
  message: string;
  hint: string;
}

export interface ReadWgSettingsOptions {
  /** When given, a bad value is pushed here and left out of the settings, instead of thrown. */
  problems?: SettingsProblem[];
}

export interface Located<T> {
  value: T;
  line?: number;
}

/** Reads the typed settings of a parsed file; a value wg-quick would refuse throws with its line. */
export function readWgSettings(config: WgConfig, options: ReadWgSettingsOptions = {}): WgSettings {
  const sections = sectionsOf(config);
  const interfaceSection = sections.find((section) => section.name === 'Interface')!;
  return {
    file: config.file,
    interface: readInterface(interfaceSection, config.file, options.problems),
    peers: sections
      .filter((section) => section.name === 'Peer')
      .map((section) => readPeer(section, config.file, options.problems)),
  };
}

class BadValue extends Error {}

/** Runs `read` for one entry; a bad value throws with its line, or is collected when `problems` is given. */
function eachEntry(
  section: WgSection,
  file: string | undefined,
  problems: SettingsProblem[] | undefined,
  read: (entry: WgSection['entries'][number], bad: (hint: string, message?: string) => never) => void,
): void {
  for (const entry of section.entries) {
    const bad = (hint: string, message = `${entry.key} = ${entry.value} is not valid`): never => {
      if (!problems) throw new WglabError(message, { location: { file, line: entry.line, field: entry.key }, hint });
      problems.push({ key: entry.key, value: entry.value, line: entry.line, message, hint });
      throw new BadValue();
    };
    try {
      read(entry, bad);
    } catch (error) {
      if (!(error instanceof BadValue)) throw error;
    }
  }
}

function readInterface(section: WgSection, file?: string, problems?: SettingsProblem[]): InterfaceSettings {
  const settings: InterfaceSettings = {
    line: section.line,
    addresses: [],
    table: { value: { kind: 'auto' } },
    hooks: [],
  };
  eachEntry(section, file, problems, (entry, bad) => {
    switch (entry.key) {
      case 'PrivateKey':
        if (!isWgKey(entry.value)) bad(keyHint('wg genkey'), keyProblem(entry.key, entry.value));
        settings.privateKey = { value: entry.value, line: entry.line };
        break;
      case 'Address':
        settings.addresses.push(
          ...readCidrs(entry, problems, bad, 'Address takes addresses with a prefix, e.g. 10.0.0.1/32'),
        );
        break;
      case 'ListenPort':
        settings.listenPort = {
          value: readPort(entry.value) ?? bad('a port is a number from 1 to 65535'),
          line: entry.line,
        };
        break;
      case 'Table':
        settings.table = { value: readTable(entry.value), line: entry.line };
        break;
      case 'FwMark': {
        if (entry.value.toLowerCase() === 'off' || entry.value === '0') break;
        if (!/^(0x[0-9a-f]{1,8}|\d{1,10})$/i.test(entry.value)) bad('FwMark is a number (e.g. 51820 or 0xca6c) or off');
        settings.fwMark = { value: Number(entry.value), line: entry.line };
        break;
      }
      case 'MTU':
        // wg-quick hands it to `ip link set mtu`, which takes a whole number of bytes; IPv4 needs 68 at least.
        // The last line wins, as in wg-quick; an empty one unsets it.
        delete settings.mtu;
        if (entry.value === '') break;
        if (!/^\d{1,5}$/.test(entry.value) || Number(entry.value) < 68 || Number(entry.value) > 65535)
          bad('MTU is a whole number of bytes from 68 to 65535, e.g. 1420 (or leave it out: wg-quick picks one)');
        else settings.mtu = { value: Number(entry.value), line: entry.line };
        break;
      case 'SaveConfig':
        settings.saveConfig = { value: entry.value.toLowerCase() === 'true', line: entry.line };
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
  });
  return settings;
}

function readPeer(section: WgSection, file?: string, problems?: SettingsProblem[]): PeerSettings {
  const settings: PeerSettings = { line: section.line, allowedIps: [] };
  eachEntry(section, file, problems, (entry, bad) => {
    switch (entry.key) {
      case 'PublicKey':
        if (!isWgKey(entry.value)) bad(keyHint('wg pubkey'), keyProblem(entry.key, entry.value));
        settings.publicKey = { value: entry.value, line: entry.line };
        break;
      case 'PresharedKey':
        if (!isWgKey(entry.value)) bad(keyHint('wg genpsk'), keyProblem(entry.key, entry.value));
        settings.presharedKey = { value: entry.value, line: entry.line };
        break;
      case 'Endpoint':
        settings.endpoint = {
          value: readEndpoint(entry.value) ?? bad('Endpoint is host:port, e.g. 203.0.113.2:51822 or [fd00::2]:51822'),
          line: entry.line,
        };
        break;
      case 'AllowedIPs':
        settings.allowedIps.push(
          ...readCidrs(
            entry,
            problems,
            bad,
            'AllowedIPs takes addresses or prefixes separated by commas, e.g. 10.0.0.2/32, 203.0.113.2/32',
          ),
        );
        break;
      default:
        break;
    }
  });
  return settings;
}

/** The prefixes of a list; a bad item is reported on its own and the good ones kept, when problems are collected. */
function readCidrs(
  entry: WgSection['entries'][number],
  problems: SettingsProblem[] | undefined,
  bad: (hint: string, message?: string) => never,
  hint: string,
): Located<Cidr>[] {
  const items = splitList(entry.value);
  const cidrs = items.map((item) => parseCidr(item));
  const wrong = items.filter((_, index) => cidrs[index] === undefined);
  if (wrong.length > 0 && (!problems || wrong.length === items.length)) bad(hint);
  if (wrong.length > 0)
    problems!.push({
      key: entry.key,
      value: entry.value,
      line: entry.line,
      message: `${entry.key} = ${entry.value}: ${wrong.join(', ')} is not valid`,
      hint,
    });
  return cidrs.filter((cidr) => cidr !== undefined).map((cidr) => ({ value: cidr, line: entry.line }));
}

function keyHint(tool: string): string {
  return `a key is 44 base64 characters ending in =, as \`${tool}\` prints`;
}

/** What is wrong with a key: missing, a placeholder or redaction, or not 32 bytes of base64. A private key's value is never echoed. */
function keyProblem(key: string, value: string): string {
  if (value === '') return `${key} is empty`;
  if (!/^[A-Za-z0-9+/]+=*$/.test(value) || /redacted|hidden|removed|your|placeholder|x{4,}/i.test(value)) {
    return `${key} = ${value} is a placeholder, not a key`;
  }
  const shown = key === 'PrivateKey' ? key : `${key} = ${value}`;
  if (value.length !== 44) return `${shown} is not a key: ${value.length} characters where a key has 44`;
  return `${shown} is not a key: 44 characters, but not the base64 of 32 bytes`;
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

/** The Endpoint host when it is an address; a name only through `resolve` (name → address), never by DNS. */
export function endpointAddress(
  peer: PeerSettings,
  resolve: Readonly<Record<string, string>> = {},
): string | undefined {
  const host = peer.endpoint?.value.host;
  if (host === undefined) return undefined;
  if (isIpAddress(host)) return host;
  const address = Object.entries(resolve).find(([name]) => name.toLowerCase() === host.toLowerCase())?.[1];
  return address !== undefined && isIpAddress(address) ? address : undefined;
}

/** The table number or name routes go to, as `ip rule … table X` would name it; undefined for main/auto/off. */
export function customTable(table: TableSetting): string | undefined {
  if (table.kind === 'number') return String(table.table);
  if (table.kind === 'name') return table.table;
  return undefined;
}
