import { pcapSince } from '../evidence/pcap.ts';
import type { Lab } from './lab.ts';

/** A capture of one point for a batch of checks: `take` returns the packets since it began, as a pcap file. */
export interface RunningCapture {
  node: string;
  iface: string;
  take(): Promise<Uint8Array>;
}

let counter = 0;

/** A capture file this long is left for a new one at the next batch. */
const maxCaptureBytes = 256 * 1024 * 1024;

/**
 * Captures that outlive a batch of checks: one tcpdump per point for a whole scenario, each batch taking the
 * records written since it began (tcpdump -U writes each packet as it comes). Starting and stopping tcpdump for
 * every batch cost a quarter of a second per batch. A capture whose tcpdump ended (its interface went away, as
 * `wg-quick down` removes it) or whose interface is another one now (down and up again) is started anew.
 * `close` stops them all; nothing outlives it.
 */
export class CaptureSessions {
  private readonly sessions = new Map<string, CaptureSession>();

  constructor(private readonly lab: Lab) {}

  /** A capture of the point from now on; its `take` returns the packets since, as a pcap file. */
  async start(node: string, iface: string): Promise<RunningCapture> {
    const key = `${node} ${iface}`;
    const known = this.sessions.get(key);
    const mark = known && (await known.mark());
    // A file grown past the cap (bulk transfers) starts anew rather than fill the node's /tmp.
    if (known && mark !== undefined && mark < maxCaptureBytes) return known.from(mark);
    if (known) {
      this.sessions.delete(key);
      await known.remove();
    }
    const session = await CaptureSession.start(this.lab, node, iface);
    this.sessions.set(key, session);
    return session.from(0);
  }

  /** Stops every tcpdump and removes its files. */
  async close(): Promise<void> {
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.allSettled(sessions.map((session) => session.remove()));
  }
}

class CaptureSession {
  /** Where the next read begins: a record boundary (24: the first record, after the file's header). */
  private base = 24;

  private constructor(
    private readonly lab: Lab,
    readonly node: string,
    readonly iface: string,
    private readonly name: string,
    private readonly header: Uint8Array,
    /** The interface's index when tcpdump started ('' for `any`): another index is another interface. */
    private readonly ifindex: string,
  ) {}

  static async start(lab: Lab, node: string, iface: string): Promise<CaptureSession> {
    const name = `/tmp/wglab-capture-${process.pid}-${++counter}`;
    const linkType = iface === 'any' ? '-y LINUX_SLL2' : '';
    const ifindex = iface === 'any' ? '' : `$(cat /sys/class/net/${iface}/ifindex)`;
    // tcpdump -U writes the file's header once it listens, and each packet as it comes.
    const result = await lab.sh(
      node,
      `rm -f ${name}.*
tcpdump -Z root -i ${iface} ${linkType} -n -s 262144 --immediate-mode -U -w ${name}.pcap >${name}.log 2>&1 </dev/null &
echo $! > ${name}.pid
for i in $(seq 1 1500); do
  if grep -q 'listening on' ${name}.log && [ "$(stat -c %s ${name}.pcap 2>/dev/null)" -ge 24 ]; then
    echo "${ifindex}"; head -c 24 ${name}.pcap | base64 -w0; exit 0
  fi
  kill -0 $(cat ${name}.pid) 2>/dev/null || break; sleep 0.01
done
cat ${name}.log >&2; kill -TERM $(cat ${name}.pid) 2>/dev/null; rm -f ${name}.*; exit 1`,
    );
    const [index = '', header = ''] = result.stdout.split('\n');
    return new CaptureSession(lab, node, iface, name, new Uint8Array(Buffer.from(header, 'base64')), index.trim());
  }

  /** The file's length now, or undefined when tcpdump is gone or its interface is not the one it listens on. */
  async mark(): Promise<number | undefined> {
    const result = await this.lab.sh(
      this.node,
      `pid=$(cat ${this.name}.pid)
state=$(cut -d' ' -f3 /proc/$pid/stat 2>/dev/null); [ -n "$state" ] && [ "$state" != Z ] || exit 0
${this.ifindex === '' ? '' : `[ "$(cat /sys/class/net/${this.iface}/ifindex 2>/dev/null)" = ${this.ifindex} ] || exit 0`}
stat -c %s ${this.name}.pcap`,
      { allowFailure: true },
    );
    const length = Number(result.stdout.trim());
    return result.stdout.trim() !== '' && Number.isInteger(length) ? length : undefined;
  }

  /** This capture from byte `mark` on: its `take` reads what was written since (tcpdump keeps running). */
  from(mark: number): RunningCapture {
    return { node: this.node, iface: this.iface, take: () => this.read(mark) };
  }

  private async read(mark: number): Promise<Uint8Array> {
    const result = await this.lab.sh(this.node, `tail -c +${this.base + 1} ${this.name}.pcap | base64 -w0`);
    const { pcap, next } = pcapSince(this.header, Buffer.from(result.stdout.trim(), 'base64'), this.base, mark);
    this.base = next;
    return pcap;
  }

  /** Stops tcpdump (SIGTERM; a zombie counts as gone) and removes its files. */
  async remove(): Promise<void> {
    await this.lab.sh(
      this.node,
      `pid=$(cat ${this.name}.pid 2>/dev/null) && kill -TERM $pid 2>/dev/null
gone() { [ -z "$pid" ] || ! kill -0 $pid 2>/dev/null || [ "$(cut -d' ' -f3 /proc/$pid/stat 2>/dev/null)" = Z ]; }
i=0; until gone || [ $i -ge 300 ]; do sleep 0.01; i=$((i+1)); done; gone || kill -KILL $pid
rm -f ${this.name}.pcap ${this.name}.log ${this.name}.pid`,
      { allowFailure: true },
    );
  }
}
