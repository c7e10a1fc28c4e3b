import test from 'ava';
import { startLab } from '../../harness/lab/start-lab.ts';
import type { Check } from '../../harness/scenario/scenario.ts';
import { CaptureSessions } from '../../harness/lab/capture.ts';
import { runCheck, runChecksTogether } from '../../harness/verify/run-check.ts';
import { decideVerdict } from '../../harness/verify/verdict.ts';
import { article } from './helpers.ts';

// Checks without a fault run at once (wglab run does this for each run of them in a scenario): A through the
// tunnel and C in clear, both to B's port 443, inside one capture session on every point.
const checks: Check[] = [
  { from: 'A', url: 'https://app.example.com/', insecure: false, expect: { path: 'tunnel', sourceIp: '10.0.0.1' } },
  { from: 'C', url: 'https://app.example.com/', insecure: false, expect: { path: 'internet', sourceIp: '192.0.2.3' } },
  { from: 'A', url: 'https://10.0.0.2/', insecure: true, expect: { path: 'tunnel', sourceIp: '10.0.0.1' } },
  { from: 'C', url: 'https://10.0.0.2/', insecure: true, expect: { path: 'none' } },
];

test.serial(
  "concurrent checks share one capture session and never take each other's packets; without client ports they would (negative control)",
  async (t) => {
    await using lab = await startLab(article('05-transparent-a-rule'));
    const results = await runChecksTogether(
      lab,
      checks.map((check, index) => ({ check, index })),
    );
    for (const result of results)
      t.true(
        result.verdict.pass,
        `check ${result.index + 1} ${result.check.from} ${result.check.url}: ${result.verdict.reasons.join('; ')}`,
      );
    t.is(new Set(results.map((result) => result.evidence.captures)).size, 1, 'one capture session spans the batch');
    const given = results.map((result) => result.evidence.request.localPorts!);
    t.is(new Set(given.map((range) => range.from)).size, checks.length, 'each request has client ports of its own');
    for (const [at, result] of results.entries()) {
      const port = result.evidence.request.localPort;
      if (port !== undefined)
        t.true(port >= given[at]!.from && port <= given[at]!.to, `check ${at + 1} used a port it was given`);
    }
    const router = results[0]!.evidence.captures.find((capture) => capture.role === 'internet')!;
    t.true(
      router.packets.some((packet) => packet.src === '192.0.2.3' && packet.dstPort === 443),
      "C's request crossed the router during A's capture",
    );
    // Negative control: the same packets judged without the client port and its range mix the two requests up.
    const blind = (at: number) => {
      const { evidence, check } = results[at]!;
      return decideVerdict(check, {
        ...evidence,
        request: { ...evidence.request, localPort: undefined, localPorts: undefined },
      });
    };
    t.is(blind(0).observed.path, 'both', "A's tunnel request would take C's clear TCP for its own");
    t.is(blind(1).observed.path, 'both', "C's clear request would take A's tunnel TCP for its own");
    // More requests from one node than it has lanes: they share lanes and still each get their own verdict.
    const fromA = Array.from({ length: 6 }, (_, index) => ({
      check: checks[index % 2 === 0 ? 0 : 2]!,
      index: 10 + index,
    }));
    const again = await runChecksTogether(lab, fromA);
    t.deepEqual(
      again.filter((result) => !result.verdict.pass).map((result) => result.verdict.reasons),
      [],
    );
    t.is(
      new Set(again.map((result) => result.evidence.request.localPort)).size,
      6,
      'six connections, six client ports',
    );
  },
);

test.serial(
  "a tunnel check after a fault re-created wg0 takes its packets from the new interface, in the lab's kept captures; a flipped expectation fails (negative control)",
  async (t) => {
    await using lab = await startLab(article('05-transparent-a-rule'));
    const captures = new CaptureSessions(lab);
    try {
      const options = { captures, deferRestart: true };
      const through = checks[0]!;
      const [before] = await runChecksTogether(lab, [{ check: through, index: 0 }], options);
      t.true(before!.verdict.pass, before!.verdict.reasons.join('; '));
      const index = async () => (await lab.exec('A', ['cat', '/sys/class/net/wg0/ifindex'])).stdout.trim();
      const first = await index();
      const down = await runCheck(
        lab,
        { ...through, fault: 'tunnel-down', expect: { path: 'internet', sourceIp: '198.51.100.1' } },
        1,
        options,
      );
      t.true(down.verdict.pass, down.verdict.reasons.join('; '));
      t.truthy(
        down.evidence.captures.find((capture) => capture.label === 'A wg0')?.absent,
        'wg0 was gone during the fault',
      );
      const [after] = await runChecksTogether(lab, [{ check: through, index: 2 }], options);
      t.not(await index(), first, 'the restart after the fault made another wg0');
      t.true(after!.verdict.pass, after!.verdict.reasons.join('; '));
      const wg0 = after!.evidence.captures.find((capture) => capture.label === 'A wg0')!;
      const port = after!.evidence.request.localPort;
      t.true(
        wg0.packets.some((packet) => packet.srcPort === port && packet.dstPort === 443),
        "the request's TCP on the new wg0",
      );
      t.false(
        wg0.packets.some((packet) => packet.srcPort === before!.evidence.request.localPort),
        "the first check's packets are not this batch's",
      );
      const flipped = decideVerdict(
        { ...through, expect: { path: 'internet', sourceIp: '198.51.100.1' } },
        after!.evidence,
      );
      t.false(flipped.pass, 'expecting the clear path fails on the same evidence');
    } finally {
      await captures.close();
    }
  },
);
