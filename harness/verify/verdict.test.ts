import test from 'ava';
import { readFileSync } from 'node:fs';
import type { CapturePoint } from '../evidence/flows.ts';
import { readPcap, type Packet } from '../evidence/pcap.ts';
import type { Check } from '../scenario/scenario.ts';
import { decideVerdict, type Evidence } from './verdict.ts';

// Real captures of one lab run (fixtures/pcap): A's request went through the tunnel (on wg0), C's over the internet.
const wg0 = readPcap(readFileSync('fixtures/pcap/wg0-raw.pcap')).packets;
const router = readPcap(readFileSync('fixtures/pcap/router-any-sll2-nano.pcap')).packets;
const portOf = (packets: Packet[], client: string) => packets.find((packet) => packet.src === client && packet.dstPort === 443)!.srcPort!;
const aPort = portOf(wg0, '10.0.0.1');
const cPort = portOf(router, '192.0.2.3');

const check = (path: NonNullable<Check['expect']>['path'], sourceIp?: string): Check => ({ from: 'A', url: 'https://app.example.com/', insecure: false, expect: { path, sourceIp } });
const point = (label: string, packets: Packet[], absent?: string): CapturePoint => ({ label, node: label.split(' ')[0]!, iface: label === 'internet' ? 'any' : 'wg0', packets, absent });
const log = (remoteAddr: string) => [{ remoteAddr, time: '', request: 'GET / HTTP/1.1', status: 200, bytes: 95, referer: '-', userAgent: 'curl', tag: 't', line: `${remoteAddr} - - ...` }];

function evidence(localPort: number, remoteAddr: string | undefined, captures: CapturePoint[], exitCode = 0): Evidence {
  return { request: { exitCode, httpStatus: exitCode === 0 ? 200 : undefined, localPort }, serverPort: 443, logEntries: remoteAddr ? log(remoteAddr) : [], captures, wireguardPorts: [51821, 51822] };
}

test('tunnel: the request\'s TCP on wg0 and only WireGuard UDP at the router', (t) => {
  const verdict = decideVerdict(check('tunnel', '10.0.0.1'), evidence(aPort, '10.0.0.1', [point('internet', router.filter((packet) => packet.protocol === 17)), point('A wg0', wg0)]));
  t.deepEqual(verdict.observed, { path: 'tunnel', sourceIp: '10.0.0.1', httpStatus: 200 });
  t.true(verdict.pass);
  t.regex(verdict.seen.join('\n'), /internet: none of the request's TCP, WireGuard UDP \(\d+ packets\)/);
});

test('internet: the request\'s TCP in clear at the router and on no wg0', (t) => {
  const verdict = decideVerdict(check('internet', '192.0.2.3'), evidence(cPort, '192.0.2.3', [point('internet', router), point('A wg0', wg0)]));
  t.is(verdict.observed.path, 'internet');
  t.true(verdict.pass);
});

test('a wrong path or source IP fails with the reason', (t) => {
  const verdict = decideVerdict(check('tunnel', '10.0.0.1'), evidence(cPort, '192.0.2.3', [point('internet', router), point('A wg0', wg0)]));
  t.false(verdict.pass);
  t.regex(verdict.reasons[0]!, /expected path tunnel, observed internet: the request's TCP crossed the internet in clear \(\d+ packets at the router\)/);
  t.regex(verdict.reasons[1]!, /expected the server to log 10\.0\.0\.1, it logged 192\.0\.2\.3/);
});

test('none: curl failed and nothing was logged; a wg0 that is down is reported as such', (t) => {
  const verdict = decideVerdict(check('none'), evidence(0, undefined, [point('internet', []), point('A wg0', [], 'wg0 is down on A')], 28));
  t.true(verdict.pass);
  t.is(verdict.observed.path, 'none');
  t.regex(verdict.seen.join('\n'), /A wg0: not captured \(wg0 is down on A\)/);
});

test('the flow on both wg0 and in clear is reported as both, and fails', (t) => {
  const clearCopy = wg0.map((packet) => ({ ...packet }));
  const verdict = decideVerdict(check('tunnel', '10.0.0.1'), evidence(aPort, '10.0.0.1', [point('internet', clearCopy), point('A wg0', wg0)]));
  t.is(verdict.observed.path, 'both');
  t.false(verdict.pass);
});
