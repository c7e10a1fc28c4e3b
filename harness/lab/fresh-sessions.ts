import { quote } from './node-shell.ts';

// Fresh WireGuard sessions on an interface that is up, without wg-quick down and up (Lab.restartWireguard).

/** Whether a wg-quick file has SaveConfig = true (wg-quick down then writes the interface's state back to it). */
export function savesConfig(file: string): boolean {
  return /^\s*SaveConfig\s*=\s*true\s*$/im.test(file);
}

/** A wg-quick or `wg showconf` file's sections: the header and its lines, in order. */
function sections(file: string): { header: string; lines: string[] }[] {
  const found: { header: string; lines: string[] }[] = [];
  for (const raw of file.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (/^\[.*\]$/.test(line)) found.push({ header: line.toLowerCase(), lines: [] });
    else if (line !== '') found.at(-1)?.lines.push(line);
  }
  return found;
}

/** A section's value of a key (the first), as written. */
function valueOf(lines: string[], key: string): string | undefined {
  const line = lines.find((candidate) => candidate.split('=')[0]!.trim().toLowerCase() === key.toLowerCase());
  return line?.slice(line.indexOf('=') + 1).trim();
}

/**
 * The peers to add back for fresh sessions: every peer the interface runs (`wg showconf`: keys, preshared keys and
 * AllowedIPs as its hooks left them), each with the Endpoint its file gives it, or none when the file gives none
 * (what it learned goes, as a restart forgets it; a peer the file does not name keeps what it has).
 */
export function freshPeers(showconf: string, file: string): { keys: string[]; config: string } {
  const filePeers = sections(file).filter((section) => section.header === '[peer]');
  const live = sections(showconf).filter((section) => section.header === '[peer]');
  const keys: string[] = [];
  const config = live.map(({ lines }) => {
    const key = valueOf(lines, 'PublicKey') ?? '';
    keys.push(key);
    const inFile = filePeers.find((peer) => valueOf(peer.lines, 'PublicKey') === key);
    if (!inFile) return ['[Peer]', ...lines].join('\n');
    const endpoint = valueOf(inFile.lines, 'Endpoint');
    const kept = lines.filter((line) => valueOf([line], 'Endpoint') === undefined);
    return ['[Peer]', ...kept, ...(endpoint === undefined ? [] : [`Endpoint = ${endpoint}`])].join('\n');
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
