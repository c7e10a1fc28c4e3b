import { parseWgConfig } from '../wgconf/parse-wg-config.ts';
import { sectionsOf, type WgKey, type WgSection } from '../wgconf/wg-config.ts';
import { quote } from './node-shell.ts';

// Fresh WireGuard sessions on an interface that is up, without wg-quick down and up (Lab.restartWireguard).

/** A wg-quick or `wg showconf` file's sections, read by the one wg-quick parser ('' is a node without a file). */
function sectionsIn(file: string, what: string): WgSection[] {
  return file === '' ? [] : sectionsOf(parseWgConfig(file, what));
}

const valueOf = (section: WgSection, key: WgKey) => section.entries.find((entry) => entry.key === key)?.value;

/** Whether a wg-quick file has SaveConfig = true (wg-quick down then writes the interface's state back to it). */
export function savesConfig(file: string): boolean {
  const face = sectionsIn(file, 'the installed file').find((section) => section.name === 'Interface');
  return face !== undefined && valueOf(face, 'SaveConfig')?.toLowerCase() === 'true';
}

/**
 * The peers to add back for fresh sessions: every peer the interface runs (`wg showconf`: keys, preshared keys and
 * AllowedIPs as its hooks left them), each with the Endpoint its file gives it, or none when the file gives none
 * (what it learned goes, as a restart forgets it; a peer the file does not name keeps what it has).
 */
export function freshPeers(showconf: string, file: string): { keys: string[]; config: string } {
  const peersIn = (text: string, what: string) => sectionsIn(text, what).filter((section) => section.name === 'Peer');
  const filePeers = peersIn(file, 'the installed file');
  const keys: string[] = [];
  const config = peersIn(showconf, 'wg showconf').map((peer) => {
    const key = valueOf(peer, 'PublicKey') ?? '';
    keys.push(key);
    const inFile = filePeers.find((candidate) => valueOf(candidate, 'PublicKey') === key);
    const kept = peer.entries.filter((entry) => !inFile || entry.key !== 'Endpoint');
    const endpoint = inFile && valueOf(inFile, 'Endpoint');
    return ['[Peer]', ...kept.map((entry) => `${entry.key} = ${entry.value}`)]
      .concat(endpoint === undefined ? [] : [`Endpoint = ${endpoint}`])
      .join('\n');
  });
  return { keys: keys.filter(Boolean), config: config.map((peer) => `${peer}\n`).join('') };
}

/** Shell lines that remove an interface's peers and add them back as `freshPeers` gives them: fresh sessions. */
export function freshSessionsScript(iface: string, peers: { keys: string[]; config: string }): string {
  return [
    'set -e',
    ...peers.keys.map((key) => `wg set ${iface} peer ${quote(key)} remove`),
    `cat > /run/wglab-${iface}.peers <<'WGLAB_PEERS'\n${peers.config}WGLAB_PEERS`,
    `wg addconf ${iface} /run/wglab-${iface}.peers`,
  ].join('\n');
}
