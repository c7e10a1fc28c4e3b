import type { Lab, PortRange } from '../../lab/lab.ts';
import type { CheckTarget } from '../../scenario/check-target.ts';
import type { Check } from '../../scenario/scenario.ts';
import type { RequestResult, ServerLogEntry } from '../verdict.ts';

/** One check on its way: what it sends, its tag and client ports, and the node that serves it. */
export interface SentCheck {
  check: Check;
  index: number;
  target: CheckTarget;
  /** Tells its log line from any other's (an HTTP header, the line a TCP/UDP client sends). */
  tag: string;
  /** The node that answers it; none for dns (the resolvers' logs say which answered). */
  server?: string;
  /** Client ports of its own; ping takes the first as its echo identifier. */
  ports: PortRange;
  /** The shell session of its node it is sent on. */
  lane: number;
}

/** How long a check's client waits: for a connection (or an answer), and for the whole exchange. */
export interface ClientWait {
  /** Seconds to wait for a connection or an answer: short when the check expects none. */
  connect: number;
  /** Whether this is the short wait of a check expected to fail (its whole exchange is bounded short too). */
  brief: boolean;
  /** The engine's slowness (1 on a native engine). */
  slowness: number;
}

/**
 * What sends a kind of check and reads its server's log: the lab's captures, the verdict and the reports are
 * the same for every kind. A new kind is a module here and an entry in `checkKindOf`.
 */
export interface CheckKind {
  /** Sends the check from its node; what the client said. */
  send(lab: Lab, sent: SentCheck, wait: ClientWait): Promise<RequestResult>;
  /** After the checks were sent: each one's lines in its server's log (the evidence that it arrived, and from whom). */
  logEntries(lab: Lab, sent: SentCheck[]): Promise<ServerLogEntry[][]>;
}

/** Reads a file of a node once per node, for every check that needs it. */
export async function readOnce(lab: Lab, files: { node: string; path: string }[]): Promise<Map<string, string>> {
  const unique = [...new Map(files.map((file) => [`${file.node} ${file.path}`, file])).values()];
  const texts = await Promise.all(
    unique.map(async (file) => {
      const result = await lab.exec(file.node, ['cat', file.path], { allowFailure: true });
      return [`${file.node} ${file.path}`, result.stdout] as const;
    }),
  );
  return new Map(texts);
}
