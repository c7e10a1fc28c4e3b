import { anyContains, formatCidr, isIpAddress, type Cidr } from '../../net/ip.ts';
import type { PeerSettings } from '../wg-settings.ts';
import { lines, type Finding } from './finding.ts';
import { allowedIps, type LintTarget } from './lint-context.ts';

/** The peer section of `self` that stands for `other`: the one whose key matches, else the only one. */
export function peerFor(self: LintTarget, other: LintTarget): PeerSettings | undefined {
  return namedPeer(self, other) ?? (self.settings.peers.length === 1 ? self.settings.peers[0] : undefined);
}

/** The peer section of `self` whose PublicKey is `other`'s. */
export function namedPeer(self: LintTarget, other: LintTarget): PeerSettings | undefined {
  return other.publicKey === undefined
    ? undefined
    : self.settings.peers.find((peer) => peer.publicKey?.value === other.publicKey);
}

/** Checks between the two ends of one tunnel: keys, ports, AllowedIPs and SNAT sources. */
export function lintPair(a: LintTarget, b: LintTarget, byKeyOnly: boolean): Finding[] {
  return [...oneWay(a, b, byKeyOnly), ...oneWay(b, a, byKeyOnly), ...snatSources(a, b), ...snatSources(b, a)];
}

/** `byKeyOnly`: among many files, a peer section stands for `other` only when it names its key (no "the only peer" guess). */
function oneWay(self: LintTarget, other: LintTarget, byKeyOnly: boolean): Finding[] {
  const findings: Finding[] = [];
  const add = (line: number | undefined, rule: string, message: string, hint: string) =>
    findings.push({ file: self.file, line, rule, severity: 'error', message, hint });
  const peer = byKeyOnly ? namedPeer(self, other) : peerFor(self, other);
  if (!peer && other.publicKey === undefined) return findings;
  if (!peer) {
    add(
      self.settings.interface.line,
      'peer-missing',
      `${self.file} has ${self.settings.peers.length} [Peer] sections and none holds the public key of ${other.file}`,
      `add a [Peer] with PublicKey = <public key of ${other.file}'s PrivateKey>`,
    );
    return findings;
  }
  if (other.publicKey !== undefined && peer.publicKey && other.publicKey !== peer.publicKey.value) {
    add(
      peer.publicKey.line,
      'keys-mismatch',
      `PublicKey (line ${peer.publicKey.line}) is not the public key of ${other.file}'s PrivateKey (line ${other.settings.interface.privateKey!.line}): the handshake will never complete`,
      `set PublicKey = ${other.publicKey} (what \`wg pubkey\` prints for that private key)`,
    );
  }
  const otherPort = other.settings.interface.listenPort;
  if (peer.endpoint && otherPort && peer.endpoint.value.port !== otherPort.value) {
    add(
      peer.endpoint.line,
      'endpoint-port-mismatch',
      `Endpoint port ${peer.endpoint.value.port} (line ${peer.endpoint.line}) is not ${other.file}'s ListenPort ${otherPort.value} (line ${otherPort.line})`,
      `set Endpoint = ${peer.endpoint.value.host}:${otherPort.value}, or change the other ListenPort`,
    );
  }
  if (peer.endpoint && !otherPort) {
    add(
      peer.endpoint.line,
      'endpoint-port-mismatch',
      `Endpoint dials port ${peer.endpoint.value.port} (line ${peer.endpoint.line}) but ${other.file} sets no ListenPort, so it listens on a random port`,
      `add ListenPort = ${peer.endpoint.value.port} to ${other.file}`,
    );
  }
  const allowed = peer.allowedIps.map((located) => located.value);
  for (const address of other.settings.interface.addresses) {
    const host: Cidr = { address: address.value.address, prefix: address.value.address.includes(':') ? 128 : 32 };
    if (anyContains(allowed, host)) continue;
    add(
      peer.allowedIps[0]?.line ?? peer.line,
      'allowedips-missing-peer-address',
      `AllowedIPs (${lines(...peer.allowedIps.map((located) => located.line))}) does not cover ${host.address}, ${other.file}'s Address (line ${address.line}): packets from it are dropped`,
      `add ${formatCidr(host)} to AllowedIPs`,
    );
  }
  return findings;
}

/** The SNAT source must be the client's public IP as the server end's AllowedIPs show it, else replies never return through the tunnel. */
function snatSources(self: LintTarget, other: LintTarget): Finding[] {
  return self.iptablesAdded
    .filter((rule) => rule.jump === 'SNAT' && rule.toSource)
    .flatMap((rule) => {
      const server = rule.chain === 'INPUT' ? self : other;
      const client = server === self ? other : self;
      const toSource = snatAddress(rule.toSource!);
      const serverPeer = peerFor(server, client);
      const accepted = serverPeer ? serverPeer.allowedIps : allowedIps(server);
      const isWgAddress = client.settings.interface.addresses.some((address) => address.value.address === toSource);
      if (
        !isWgAddress &&
        anyContains(
          accepted.map((located) => located.value),
          toSource,
        )
      )
        return [];
      return [
        {
          file: self.file,
          line: rule.hook.line,
          rule: 'snat-source-mismatch',
          severity: 'error' as const,
          message: `SNAT --to-source ${toSource} (${rule.hook.key}, line ${rule.hook.line}) is not ${client.file}'s public IP as ${server.file}'s AllowedIPs (${lines(...accepted.map((located) => located.line))}: ${accepted.map((located) => formatCidr(located.value)).join(', ')}) show it, so ${server.file} routes its replies elsewhere`,
          hint: `use the client's public IP that ${server.file} lists in AllowedIPs (and sends to its table), e.g. the non-WireGuard address there`,
        },
      ];
    });
}

/** The address of an SNAT --to-source: 198.51.100.1, 198.51.100.1:1024-2048, fd00::1 or [fd00::1]:1024 (a range keeps its first address). */
export function snatAddress(toSource: string): string {
  const bracketed = /^\[([^\]]+)\]/.exec(toSource);
  if (bracketed) return bracketed[1]!;
  const first = toSource.split('-')[0]!;
  return isIpAddress(first) ? first : first.replace(/:\d+$/, '');
}
