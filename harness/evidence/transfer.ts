import { countable, requestPackets, type CapturePoint } from './flows.ts';

/** What the capture points saw of a transfer's answer: where its large packets went, and the ICMP errors about size. */
export interface TransferTrace {
  /** The largest packet of the answer (server to client, IP length in bytes) each point saw; 0 where none. */
  largest: { point: string; bytes: number }[];
  /** The largest packet of the answer that reached the point nearest the client, when that point was captured. */
  throughBytes?: number;
  /** Points that saw answer packets larger than any that reached the client: where the larger ones stopped. */
  stoppedAfter: string[];
  /** ICMP "fragmentation needed" and ICMPv6 "packet too big" each point saw, with the MTU they name. */
  sizeErrors: { point: string; count: number; mtu?: number }[];
}

const isSizeError = (icmp: { type: number; code: number } | undefined, version: number | undefined) =>
  icmp !== undefined && (version === 6 ? icmp.type === 2 : icmp.type === 3 && icmp.code === 4);

/**
 * Traces a transfer's answer through the capture points: the request's TCP from the server's port, by IP length
 * (each forwarded packet counted once), and the ICMP size errors anywhere in the captures. `clientPoint` names the
 * capture point nearest the client (its LAN, its WireGuard interface, or the router).
 */
export function traceTransfer(
  captures: readonly CapturePoint[],
  serverPort: number,
  client: number | { from: number; to: number } | undefined,
  clientPoint: string | undefined,
): TransferTrace {
  const seen = captures.filter((capture) => !capture.absent);
  const largest = seen.map((capture) => ({
    point: capture.label,
    bytes: Math.max(
      0,
      ...requestPackets(capture.packets, serverPort, client)
        .filter((packet) => packet.srcPort === serverPort)
        .map((packet) => packet.ipLength ?? 0),
    ),
  }));
  const through = largest.find((entry) => entry.point === clientPoint)?.bytes;
  const stoppedAfter =
    through === undefined ? [] : largest.filter((entry) => entry.bytes > through).map((entry) => entry.point);
  const sizeErrors = seen.flatMap((capture) => {
    const errors = countable(capture.packets).filter((packet) => isSizeError(packet.icmp, packet.ipVersion));
    if (errors.length === 0) return [];
    const mtu = errors.find((packet) => packet.icmp?.mtu !== undefined)?.icmp?.mtu;
    return [{ point: capture.label, count: errors.length, ...(mtu === undefined ? {} : { mtu }) }];
  });
  return { largest, ...(through === undefined ? {} : { throughBytes: through }), stoppedAfter, sizeErrors };
}

/** The trace in words for a verdict: where the large packets stopped and which ICMP size errors were seen. */
export function describeTrace(trace: TransferTrace): string {
  const parts: string[] = [];
  if (trace.throughBytes !== undefined)
    parts.push(`the largest packet of the answer that got through was ${trace.throughBytes} bytes`);
  const stops = trace.largest.filter((entry) => trace.stoppedAfter.includes(entry.point));
  if (stops.length > 0)
    parts.push(
      `larger ones stopped after ${stops.map((entry) => `${entry.point} (up to ${entry.bytes} bytes as captured there)`).join(', ')}`,
    );
  parts.push(
    trace.sizeErrors.length === 0
      ? 'no ICMP "fragmentation needed" or "packet too big" was seen'
      : `ICMP size errors: ${trace.sizeErrors
          .map((error) => `${error.count} at ${error.point}${error.mtu === undefined ? '' : ` (MTU ${error.mtu})`}`)
          .join(', ')}`,
  );
  return parts.join('; ');
}
