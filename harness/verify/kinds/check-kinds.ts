import type { CheckKindName } from '../../scenario/check-target.ts';
import type { CheckKind } from './check-kind.ts';
import { dnsCheck } from './dns-check.ts';
import { httpCheck } from './http-check.ts';
import { pingCheck } from './ping-check.ts';
import { socketCheck } from './socket-check.ts';

const kinds: Record<CheckKindName, CheckKind> = {
  http: httpCheck,
  dns: dnsCheck,
  ping: pingCheck,
  tcp: socketCheck,
  udp: socketCheck,
};

/** The module that sends a kind of check and reads its server's log. */
export function checkKindOf(kind: CheckKindName): CheckKind {
  return kinds[kind];
}
