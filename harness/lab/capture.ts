import type { Lab } from './lab.ts';

/** A tcpdump writing pcap inside a node, started before a request and stopped after it. */
export interface RunningCapture {
  node: string;
  iface: string;
  /** Stops tcpdump (flushing what it has) and returns the pcap file's bytes. */
  stop(): Promise<Uint8Array>;
}

let counter = 0;

/**
 * Starts `tcpdump -w` on a node's interface and returns once it is listening, so no packet of what
 * follows is missed. Immediate mode: packets reach the file as they come, not when a buffer fills.
 */
export async function startCapture(lab: Lab, node: string, iface: string): Promise<RunningCapture> {
  const name = `/tmp/wglab-capture-${process.pid}-${++counter}`;
  const linkType = iface === 'any' ? '-y LINUX_SLL2' : '';
  await lab.sh(
    node,
    `rm -f ${name}.*
tcpdump -Z root -i ${iface} ${linkType} -n -s 262144 --immediate-mode -U -w ${name}.pcap >${name}.log 2>&1 </dev/null &
echo $! > ${name}.pid
for i in $(seq 1 1500); do grep -q 'listening on' ${name}.log && exit 0; kill -0 $(cat ${name}.pid) 2>/dev/null || break; sleep 0.01; done
cat ${name}.log >&2; exit 1`,
  );
  return {
    node,
    iface,
    async stop() {
      // One round trip: stop tcpdump (SIGTERM: a background job of a non-interactive shell starts with SIGINT
      // ignored, and tcpdump keeps it so), wait until it is gone or a zombie, print the file as base64, clean up.
      const result = await lab.sh(
        node,
        `pid=$(cat ${name}.pid); kill -TERM $pid 2>/dev/null
gone() { ! kill -0 $pid 2>/dev/null || [ "$(cut -d' ' -f3 /proc/$pid/stat 2>/dev/null)" = Z ]; }
i=0; until gone || [ $i -ge 300 ]; do sleep 0.01; i=$((i+1)); done; gone || kill -KILL $pid
base64 -w0 ${name}.pcap; rm -f ${name}.pcap ${name}.log ${name}.pid`,
      );
      return new Uint8Array(Buffer.from(result.stdout.trim(), 'base64'));
    },
  };
}
