import { open, readFile, stat } from 'node:fs/promises';
import { interfaceRecords, pcapSince } from '../evidence/pcap.ts';
import type { Lab } from './lab.ts';

/** A capture of one point for a batch of checks: `take` returns the packets since it began, as a pcap file. */
export interface RunningCapture {
  node: string;
  iface: string;
  take(): Promise<Uint8Array>;
}

export interface CaptureStartOptions {
  /**
   * The interface comes and goes (WireGuard's: wg-quick down deletes it, up creates it anew): its packets are
   * taken from one `tcpdump -i any` of the node, which outlives it, by the interface's index.
   */
  comesAndGoes?: boolean;
}

let counter = 0;

/** A capture file this long is left for a new one at the next batch. */
const maxCaptureBytes = 256 * 1024 * 1024;

/**
 * Captures that outlive a batch of checks: one tcpdump per node and capture interface for as long as the owner
 * keeps them (a scenario's checks, or every scenario a lab runs), each batch taking the records written since
 * it began (tcpdump -U writes each packet as it comes). Starting a tcpdump and waiting for it to listen costs
 * a round trip per batch; a mark costs one command. The interfaces WireGuard deletes and creates are read from
 * the node's `any` capture by index, so `wg-quick down` and `up` between batches need no new tcpdump. A capture
 * whose tcpdump ended, or whose own interface is another one now, is started anew. `close` stops them all.
 */
export class CaptureSessions {
  private readonly sessions = new Map<string, CaptureSession>();
  /** Per tcpdump, the start in progress: points sharing one (a node's WireGuard interfaces) start one at a time. */
  private readonly starting = new Map<string, Promise<unknown>>();

  constructor(private readonly lab: Lab) {}

  /** A capture of the point from now on; its `take` returns the packets since, as a pcap file. */
  start(node: string, iface: string, options: CaptureStartOptions = {}): Promise<RunningCapture> {
    const listen = options.comesAndGoes ? 'any' : iface;
    const key = `${node} ${listen}`;
    const started = (this.starting.get(key) ?? Promise.resolve())
      .catch(() => undefined)
      .then(() => this.startOn(key, node, listen, iface));
    this.starting.set(key, started);
    return started;
  }

  private async startOn(key: string, node: string, listen: string, iface: string): Promise<RunningCapture> {
    const known = this.sessions.get(key);
    // Nodes on this kernel share this process's clock: a batch is the records stamped from now on, no mark asked.
    const now = this.lab.nodeClock();
    if (known && !known.stale && now !== undefined) return known.from(iface, { length: 0, ifindex: '', since: now });
    const mark = known && !known.stale ? await known.mark(iface) : undefined;
    // A file grown past the cap (bulk transfers) starts anew rather than fill the node's /tmp.
    if (known && mark !== undefined && mark.length < maxCaptureBytes) return known.from(iface, mark);
    if (known) {
      this.sessions.delete(key);
      await known.remove();
    }
    const session = await CaptureSession.start(this.lab, node, listen);
    this.sessions.set(key, session);
    const first =
      listen === iface
        ? { length: 0, ifindex: session.ifindex }
        : now !== undefined
          ? { length: 0, ifindex: '' }
          : await session.mark(iface);
    if (!first) throw new Error(`the capture on ${node} ended as it began`);
    return session.from(iface, first);
  }

  /** Stops every tcpdump and removes its files. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.starting.values()]);
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    this.starting.clear();
    await Promise.allSettled(sessions.map((session) => session.remove()));
  }
}

/**
 * Where a batch begins in a capture file, and the index its interface had then ('' for the capture's own or
 * unknown); with `since`, the batch is the records stamped from then on (the nodes share this process's clock).
 */
interface Mark {
  length: number;
  ifindex: string;
  since?: number;
}

/** Exits the script unless the capture's tcpdump runs (a zombie counts as ended). */
const unlessAlive = (name: string) =>
  `pid=$(cat ${name}.pid 2>/dev/null)
alive() { [ -n "$pid" ] && state=$(cut -d' ' -f3 /proc/$pid/stat 2>/dev/null) && [ -n "$state" ] && [ "$state" != Z ]; }`;

/** What a read of a capture finds (see CaptureSession.state). */
interface CaptureState {
  alive: boolean;
  length: number;
  /** The interface's index now ('' when the capture is of its own interface, or it is gone). */
  index: string;
  bytes: Buffer;
}

/**
 * A capture's state read from this process through the node's root (`at` maps a path in the node to one here).
 * A tcpdump woken by a packet (runnable, R) may not have written it yet: the read waits, up to 0.2 s, until it is
 * asleep again (S: back in poll, every packet it was handed written, as -U writes each one).
 */
export async function captureStateHere(
  at: (path: string) => string,
  name: string,
  iface: string | undefined,
  base: number,
): Promise<CaptureState> {
  const pid = (await readFile(at(`${name}.pid`), 'utf8').catch(() => '')).trim();
  const state = async () =>
    /^\d+$/.test(pid) ? processState(await readFile(at(`/proc/${pid}/stat`), 'utf8').catch(() => '')) : '';
  let now = await state();
  for (let waited = 0; (now === 'R' || now === 'D') && waited < 200; waited += 2) {
    await new Promise((resolve) => setTimeout(resolve, 2));
    now = await state();
  }
  const length = await stat(at(`${name}.pcap`)).then(
    (file) => file.size,
    () => 0,
  );
  const index =
    iface === undefined ? '' : (await readFile(at(`/sys/class/net/${iface}/ifindex`), 'utf8').catch(() => '')).trim();
  return { alive: now !== '' && now !== 'Z', length, index, bytes: await readFrom(at(`${name}.pcap`), base) };
}

/** A file's bytes from `offset` to its end now (none when it is gone). */
async function readFrom(path: string, offset: number): Promise<Buffer> {
  const file = await open(path, 'r').catch(() => undefined);
  if (!file) return Buffer.alloc(0);
  try {
    const chunks: Buffer[] = [];
    let position = offset;
    // What the file holds now, and a little more it may gain meanwhile; then on until its end.
    let want = Math.max((await file.stat()).size - offset, 0) + 65536;
    for (;;) {
      const chunk = Buffer.allocUnsafe(want);
      const { bytesRead } = await file.read(chunk, 0, want, position);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      position += bytesRead;
      want = 1 << 20;
    }
    return Buffer.concat(chunks);
  } finally {
    await file.close();
  }
}

/** The state letter of a /proc/PID/stat line (after the command's closing parenthesis); '' for none. */
export function processState(stat: string): string {
  return /\)\s+(\S)/.exec(stat.slice(stat.lastIndexOf(')')))?.[1] ?? '';
}

class CaptureSession {
  /** Per interface taken from this capture, where its next read begins: a record boundary (24: after the header). */
  private readonly bases = new Map<string, number>();
  /** tcpdump was found gone, or its file past the cap, at a read: the next batch starts a new capture. */
  stale = false;

  private constructor(
    private readonly lab: Lab,
    readonly node: string,
    /** The interface tcpdump listens on: one of the node's, or `any`. */
    readonly listen: string,
    private readonly name: string,
    private readonly header: Uint8Array,
    /** The interface's index when tcpdump started ('' for `any`): another index is another interface. */
    readonly ifindex: string,
  ) {}

  static async start(lab: Lab, node: string, listen: string): Promise<CaptureSession> {
    const name = `/tmp/wglab-capture-${process.pid}-${++counter}`;
    const linkType = listen === 'any' ? '-y LINUX_SLL2' : '';
    const ifindex = listen === 'any' ? '' : `$(cat /sys/class/net/${listen}/ifindex)`;
    // tcpdump -U writes the file's header once it listens, and each packet as it comes.
    const result = await lab.sh(
      node,
      `rm -f ${name}.*
tcpdump -Z root -i ${listen} ${linkType} -n -s 262144 --immediate-mode -U -w ${name}.pcap >${name}.log 2>&1 </dev/null &
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
    return new CaptureSession(lab, node, listen, name, new Uint8Array(Buffer.from(header, 'base64')), index.trim());
  }

  /**
   * The file's length now and the index `iface` has now, or undefined when tcpdump is gone, its own interface is
   * not the one it listens on, or (on `any`) `iface` is not there.
   */
  async mark(iface: string): Promise<Mark | undefined> {
    const own = iface === this.listen;
    const result = await this.lab.sh(
      this.node,
      `${unlessAlive(this.name)}
alive || exit 0
${own ? '' : `cat /sys/class/net/${iface}/ifindex 2>/dev/null || exit 0`}
${own && this.ifindex !== '' ? `[ "$(cat /sys/class/net/${iface}/ifindex 2>/dev/null)" = ${this.ifindex} ] || exit 0` : ''}
stat -c %s ${this.name}.pcap`,
      { allowFailure: true },
    );
    const lines = result.stdout.trim().split('\n');
    const length = Number(lines.at(-1));
    if (result.stdout.trim() === '' || !Number.isInteger(length) || lines.length !== (own ? 1 : 2)) return undefined;
    return { length, ifindex: own ? '' : lines[0]!.trim() };
  }

  /** This capture from `mark` on, for `iface`: its `take` reads what was written since (tcpdump keeps running). */
  from(iface: string, mark: Mark): RunningCapture {
    return { node: this.node, iface, take: () => this.read(iface, mark) };
  }

  private async read(iface: string, mark: Mark): Promise<Uint8Array> {
    const own = iface === this.listen;
    const base = this.bases.get(iface) ?? 24;
    const { alive, length, index, bytes } = await this.state(iface, base);
    if (!alive || length >= maxCaptureBytes) this.stale = true;
    // Without a mark, nothing showed tcpdump running when the batch began: its packets may be missing.
    if (!alive && mark.since !== undefined)
      throw new Error(
        `the capture of ${iface} on ${this.node} (tcpdump -i ${this.listen}) had ended by the time this check's packets were read; run again, and if it persists look at ${this.name}.log in the node`,
      );
    const { pcap, next } = pcapSince(this.header, bytes, base, mark.length, mark.since);
    this.bases.set(iface, next);
    if (own) return pcap;
    const indices = [mark.ifindex, index].filter((value) => value !== '').map(Number);
    return interfaceRecords(pcap, indices);
  }

  /**
   * Whether tcpdump still runs and the file's length; on `any`, the interface's index now as well (one deleted
   * and created again during the batch has two); then the records from `base` on. Read from here when the node's
   * files are (a node on this kernel, as root), else with one command in the node.
   */
  private async state(iface: string, base: number): Promise<CaptureState> {
    const own = iface === this.listen;
    const here = (path: string) => this.lab.pathHere(this.node, path);
    if (here('/') !== undefined)
      return captureStateHere(here as (path: string) => string, this.name, own ? undefined : iface, base);
    const result = await this.lab.sh(
      this.node,
      `${unlessAlive(this.name)}
echo "$(alive && echo 1 || echo 0) $(stat -c %s ${this.name}.pcap)"
${own ? '' : `echo "$(cat /sys/class/net/${iface}/ifindex 2>/dev/null)"`}
tail -c +${base + 1} ${this.name}.pcap | base64 -w0`,
    );
    const [state = '', ...rest] = result.stdout.split('\n');
    const [alive, length] = state.trim().split(' ');
    const index = own ? '' : (rest.shift() ?? '').trim();
    return {
      alive: alive === '1',
      length: Number(length),
      index,
      bytes: Buffer.from((rest[0] ?? '').trim(), 'base64'),
    };
  }

  /** Stops tcpdump (SIGTERM; a zombie counts as gone) and removes its files. */
  async remove(): Promise<void> {
    await this.lab.sh(
      this.node,
      `${unlessAlive(this.name)}
alive && kill -TERM $pid 2>/dev/null
i=0; while alive && [ $i -lt 300 ]; do sleep 0.01; i=$((i+1)); done; alive && kill -KILL $pid
rm -f ${this.name}.pcap ${this.name}.log ${this.name}.pid
true`,
      { allowFailure: true },
    );
  }
}
