import { cidrContains, parseCidr, type Cidr } from '../net/ip.ts';
import type { Family } from './flow.ts';
import { readMark, type PortRange, type Unreadable } from './policy-rule.ts';

export type Match =
  | { kind: 'src' | 'dst'; cidr: Cidr; negate: boolean }
  | { kind: 'in' | 'out'; iface: string; negate: boolean }
  | { kind: 'proto'; proto: string; negate: boolean }
  | { kind: 'dport' | 'sport'; ports: PortRange[]; negate: boolean }
  | { kind: 'mark'; mark: number; mask: number; negate: boolean }
  | { kind: 'dst-local' | 'src-local'; negate: boolean }
  | { kind: 'state'; states: string[]; negate: boolean };

export type Target =
  | { kind: 'ACCEPT' | 'DROP' | 'REJECT' | 'RETURN' | 'continue' }
  | { kind: 'SNAT'; to: string }
  | { kind: 'DNAT'; to: string; port?: number }
  | { kind: 'MASQUERADE' }
  | { kind: 'MARK'; mark: number; mask: number }
  /** MSS clamping on TCP SYNs: to a number, or to the outgoing route's MTU less the headers. */
  | { kind: 'TCPMSS'; mss: number | 'pmtu' };

/** One iptables rule as far as it changes a path; `unreadable` when a match or target is not modelled. */
export interface NetfilterRule {
  family: Family;
  table: string;
  chain: string;
  matches: Match[];
  target: Target;
  unreadable?: string;
  text: string;
  origin: string;
}

export type IptablesCommand =
  | { op: 'add'; rule: NetfilterRule; insert: boolean }
  | { op: 'del'; rule: NetfilterRule }
  | { op: 'policy'; family: Family; table: string; chain: string; policy: 'ACCEPT' | 'DROP' }
  | { op: 'none' };

const withValue = new Set([
  '-s',
  '--source',
  '-d',
  '--destination',
  '-i',
  '--in-interface',
  '-o',
  '--out-interface',
  '-p',
  '--protocol',
  '--dport',
  '--destination-port',
  '--sport',
  '--source-port',
  '--dports',
  '--sports',
  '--mark',
  '--dst-type',
  '--src-type',
  '--state',
  '--ctstate',
  '--to-source',
  '--to-destination',
  '--to',
  '--set-mark',
  '--set-xmark',
  '--comment',
  '--reject-with',
  '--set-mss',
  '--log-prefix',
  '--log-level',
  '-m',
  '--match',
  '-j',
  '--jump',
  '-g',
  '--goto',
]);
const harmlessTargets = new Set(['LOG', 'NFLOG', 'CONNMARK', 'CT', 'NOTRACK']);
/** Options without a value, and TCP flag matches: fine beside a target that changes no path (MSS clamping). */
const flagOptions = new Set(['--clamp-mss-to-pmtu', '--random', '--random-fully', '--persistent', '--log-uid']);
const tcpFlagOptions = new Map([
  ['--syn', 0],
  ['--tcp-flags', 2],
]);

/** Reads an iptables/ip6tables command line (the words after the program). */
export function readIptables(words: readonly string[], family: Family, origin: string): IptablesCommand | Unreadable {
  let table = 'filter';
  let op: 'add' | 'del' | 'policy' | undefined;
  let insert = false;
  let chain: string | undefined;
  let policy: string | undefined;
  const rest: string[] = [];
  for (let index = 0; index < words.length; index++) {
    const word = words[index]!;
    const next = words[index + 1];
    if (word === '-t' || word === '--table') {
      table = next ?? table;
      index++;
    } else if (['-A', '--append', '-I', '--insert', '-D', '--delete', '-C', '--check'].includes(word)) {
      if (word === '-C' || word === '--check') return { op: 'none' };
      op = word === '-D' || word === '--delete' ? 'del' : 'add';
      insert = word === '-I' || word === '--insert';
      chain = next;
      index++;
      if (/^\d+$/.test(words[index + 1] ?? '')) index++;
    } else if (word === '-P' || word === '--policy') {
      op = 'policy';
      chain = next;
      policy = words[index + 2];
      index += 2;
    } else if (
      ['-N', '--new-chain', '-F', '--flush', '-X', '--delete-chain', '-Z', '-L', '-S', '-n', '-v'].includes(word)
    ) {
      if (word === '-F' || word === '--flush') return { unreadable: `\`iptables ${words.join(' ')}\` flushes rules` };
      return { op: 'none' };
    } else if (word === '-w' || word === '--wait') {
      if (/^\d+$/.test(next ?? '')) index++;
    } else rest.push(word);
  }
  if (op === undefined || chain === undefined) return { op: 'none' };
  if (op === 'policy') {
    if (policy !== 'ACCEPT' && policy !== 'DROP') return { unreadable: `policy ${policy} is not ACCEPT or DROP` };
    return { op, family, table, chain, policy };
  }
  const rule = readRule(rest, family, table, chain, origin);
  return op === 'add' ? { op, rule, insert } : { op, rule };
}

function readRule(words: string[], family: Family, table: string, chain: string, origin: string): NetfilterRule {
  const matches: Match[] = [];
  let target: Target = { kind: 'continue' };
  let jump: string | undefined;
  const options = new Map<string, string>();
  let unreadable: string | undefined;
  let negate = false;
  let flagMatch: string | undefined;
  for (let index = 0; index < words.length; index++) {
    const word = words[index]!;
    if (word === '!') {
      negate = true;
      continue;
    }
    const value = words[index + 1] ?? '';
    if (flagOptions.has(word)) {
      if (word === '--clamp-mss-to-pmtu') options.set(word, '');
      continue;
    }
    if (tcpFlagOptions.has(word)) {
      flagMatch = word;
      index += tcpFlagOptions.get(word)!;
      negate = false;
      continue;
    }
    if (!withValue.has(word)) {
      unreadable ??= `the iptables option ${word} is not modelled`;
      negate = false;
      continue;
    }
    index++;
    const add = (match: Match) => matches.push(match);
    switch (word) {
      case '-s':
      case '--source':
      case '-d':
      case '--destination': {
        const cidr = parseCidr(value);
        if (!cidr) unreadable ??= `${word} ${value} is no address`;
        else add({ kind: word === '-s' || word === '--source' ? 'src' : 'dst', cidr, negate });
        break;
      }
      case '-i':
      case '--in-interface':
      case '-o':
      case '--out-interface':
        add({ kind: word === '-i' || word === '--in-interface' ? 'in' : 'out', iface: value, negate });
        break;
      case '-p':
      case '--protocol':
        add({ kind: 'proto', proto: ({ '6': 'tcp', '17': 'udp' } as Record<string, string>)[value] ?? value, negate });
        break;
      case '--dport':
      case '--destination-port':
      case '--sport':
      case '--source-port':
      case '--dports':
      case '--sports': {
        const ports = value.split(',').map(readPorts);
        if (ports.some((range) => range === undefined)) unreadable ??= `${word} ${value} is no port list`;
        else {
          const destination = ['--dport', '--destination-port', '--dports'].includes(word);
          add({ kind: destination ? 'dport' : 'sport', ports: ports as PortRange[], negate });
        }
        break;
      }
      case '--mark': {
        const mark = readMark(value);
        if (!mark) unreadable ??= `--mark ${value} is no mark`;
        else add({ kind: 'mark', ...mark, negate });
        break;
      }
      case '--dst-type':
      case '--src-type':
        if (value !== 'LOCAL') unreadable ??= `${word} ${value} is not modelled`;
        else add({ kind: word === '--dst-type' ? 'dst-local' : 'src-local', negate });
        break;
      case '--state':
      case '--ctstate':
        add({ kind: 'state', states: value.split(','), negate });
        break;
      case '-m':
      case '--match':
        if (!['tcp', 'udp', 'mark', 'addrtype', 'state', 'conntrack', 'comment', 'multiport'].includes(value))
          unreadable ??= `the match -m ${value} is not modelled`;
        break;
      case '-j':
      case '--jump':
        jump = value;
        break;
      case '-g':
      case '--goto':
        unreadable ??= `-g ${value} jumps to a chain that is not modelled`;
        break;
      default:
        options.set(word, value);
    }
    negate = false;
  }
  if (jump !== undefined) {
    if (['ACCEPT', 'DROP', 'REJECT', 'RETURN'].includes(jump)) target = { kind: jump as 'ACCEPT' };
    else if (jump === 'MASQUERADE') target = { kind: 'MASQUERADE' };
    else if (jump === 'SNAT' || jump === 'DNAT') {
      const to = options.get('--to-source') ?? options.get('--to-destination') ?? options.get('--to');
      const parsed = to === undefined ? undefined : readNatAddress(to);
      if (!parsed) unreadable ??= `-j ${jump} without an address it can read`;
      else
        target =
          jump === 'SNAT'
            ? { kind: 'SNAT', to: parsed.address }
            : { kind: 'DNAT', to: parsed.address, ...(parsed.port ? { port: parsed.port } : {}) };
    } else if (jump === 'MARK') {
      const mark = readMark(options.get('--set-mark') ?? options.get('--set-xmark') ?? '');
      if (!mark) unreadable ??= '-j MARK without a mark it can read';
      else target = { kind: 'MARK', mark: mark.mark, mask: mark.mask };
    } else if (jump === 'TCPMSS') {
      const set = options.get('--set-mss');
      if (options.has('--clamp-mss-to-pmtu')) target = { kind: 'TCPMSS', mss: 'pmtu' };
      else if (set !== undefined && /^\d+$/.test(set)) target = { kind: 'TCPMSS', mss: Number(set) };
      else unreadable ??= '-j TCPMSS without --clamp-mss-to-pmtu or a --set-mss it can read';
    } else if (harmlessTargets.has(jump)) target = { kind: 'continue' };
    else unreadable ??= `-j ${jump} is a chain or target that is not modelled`;
  }
  if (flagMatch !== undefined && target.kind !== 'continue' && target.kind !== 'TCPMSS')
    unreadable ??= `${flagMatch} (TCP flags) is modelled only beside a target that changes no path`;
  return {
    family,
    table,
    chain,
    matches,
    target,
    ...(unreadable ? { unreadable } : {}),
    text: words.join(' '),
    origin,
  };
}

function readPorts(text: string): PortRange | undefined {
  const match = /^(\d{1,5})(?:[:-](\d{1,5}))?$/.exec(text);
  if (!match) return undefined;
  return { from: Number(match[1]), to: Number(match[2] ?? match[1]) };
}

/** `198.51.100.1`, `198.51.100.1:1024-2048`, `[fd00::1]:80`, `a-b` ranges (the first address). */
export function readNatAddress(text: string): { address: string; port?: number } | undefined {
  const bracket = /^\[([^\]]+)\](?::(\d+))?/.exec(text);
  const candidate = bracket
    ? bracket[1]!
    : text.includes('.')
      ? text.split(':')[0]!.split('-')[0]!
      : text.split('-')[0]!;
  const cidr = parseCidr(candidate);
  if (!cidr) return undefined;
  const port = bracket ? bracket[2] : text.includes('.') ? text.split(':')[1]?.split('-')[0] : undefined;
  return { address: cidr.address, ...(port ? { port: Number(port) } : {}) };
}

/** What a rule looks at in a packet. */
export interface FilterPacket {
  family: Family;
  src: string;
  dst: string;
  protocol: string;
  sport?: number;
  dport?: number;
  mark: number;
  iif?: string;
  oif?: string;
  /** NEW for a request's packets, ESTABLISHED for its replies. */
  state: 'NEW' | 'ESTABLISHED' | 'RELATED';
  isLocal: (address: string) => boolean;
}

export function matches(match: Match, packet: FilterPacket): boolean {
  const result = (() => {
    switch (match.kind) {
      case 'src':
        return cidrContains(match.cidr, packet.src);
      case 'dst':
        return cidrContains(match.cidr, packet.dst);
      case 'in':
        return packet.iif !== undefined && ifaceMatches(match.iface, packet.iif);
      case 'out':
        return packet.oif !== undefined && ifaceMatches(match.iface, packet.oif);
      case 'proto':
        return match.proto === 'all' || match.proto === packet.protocol;
      case 'dport':
      case 'sport': {
        const port = match.kind === 'dport' ? packet.dport : packet.sport;
        return port !== undefined && match.ports.some((range) => port >= range.from && port <= range.to);
      }
      case 'mark':
        return ((packet.mark ^ match.mark) & match.mask) === 0;
      case 'dst-local':
        return packet.isLocal(packet.dst);
      case 'src-local':
        return packet.isLocal(packet.src);
      case 'state':
        return match.states.includes(packet.state);
    }
  })();
  return match.negate ? !result : result;
}

/** `eth+` matches every eth interface, as iptables reads a trailing +. */
export function ifaceMatches(pattern: string, iface: string): boolean {
  return pattern.endsWith('+') ? iface.startsWith(pattern.slice(0, -1)) : pattern === iface;
}

export type ChainResult =
  | { kind: 'accept'; rule?: NetfilterRule }
  | { kind: 'drop' | 'reject'; rule?: NetfilterRule; policy?: boolean }
  | { kind: 'snat' | 'dnat'; to: string; port?: number; rule: NetfilterRule }
  | { kind: 'masquerade'; rule: NetfilterRule }
  | { kind: 'unknown'; reason: string; rule: NetfilterRule };

/**
 * Runs a built-in chain over a packet: the first rule that matches and decides (ACCEPT, DROP, REJECT, a NAT
 * target) ends it; MARK sets the mark and goes on; a rule it cannot read whose readable matches hold is unknown.
 */
export function runChain(
  rules: readonly NetfilterRule[],
  policies: ReadonlyMap<string, 'ACCEPT' | 'DROP'>,
  table: string,
  chain: string,
  packet: FilterPacket,
): { result: ChainResult; mark: number; mss: (number | 'pmtu')[] } {
  let mark = packet.mark;
  const mss: (number | 'pmtu')[] = [];
  for (const rule of rules) {
    if (rule.family !== packet.family || rule.table !== table || rule.chain !== chain) continue;
    if (!rule.matches.every((match) => matches(match, { ...packet, mark }))) continue;
    if (rule.unreadable) return { result: { kind: 'unknown', reason: rule.unreadable, rule }, mark, mss };
    const target = rule.target;
    switch (target.kind) {
      case 'continue':
        continue;
      case 'MARK':
        mark = (mark & ~target.mask) ^ target.mark;
        continue;
      case 'TCPMSS':
        if (packet.protocol === 'tcp') mss.push(target.mss);
        continue;
      case 'RETURN':
      case 'ACCEPT':
        return { result: { kind: 'accept', rule }, mark, mss };
      case 'DROP':
        return { result: { kind: 'drop', rule }, mark, mss };
      case 'REJECT':
        return { result: { kind: 'reject', rule }, mark, mss };
      case 'SNAT':
        return { result: { kind: 'snat', to: target.to, rule }, mark, mss };
      case 'DNAT':
        return {
          result: { kind: 'dnat', to: target.to, ...(target.port ? { port: target.port } : {}), rule },
          mark,
          mss,
        };
      case 'MASQUERADE':
        return { result: { kind: 'masquerade', rule }, mark, mss };
    }
  }
  const policy = policies.get(`${packet.family} ${table} ${chain}`);
  return { result: policy === 'DROP' ? { kind: 'drop', policy: true } : { kind: 'accept' }, mark, mss };
}

/** Whether `del` removes `rule`: same table, chain and words, in any option order. */
export function sameNetfilterRule(rule: NetfilterRule, del: NetfilterRule): boolean {
  const words = (text: string) => text.split(/\s+/).sort().join(' ');
  return (
    rule.family === del.family &&
    rule.table === del.table &&
    rule.chain === del.chain &&
    words(rule.text) === words(del.text)
  );
}

export function describeNetfilterRule(rule: NetfilterRule): string {
  const program = rule.family === 6 ? 'ip6tables' : 'iptables';
  return `${program}${rule.table === 'filter' ? '' : ` -t ${rule.table}`} ${rule.chain} ${rule.text}`;
}
