import test from 'ava';
import { execa } from 'execa';
import { leftBy } from '../chaos/interrupt-run.ts';
import { modelDisagreements, wglab } from '../lab/helpers.ts';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPcap } from '../../harness/evidence/pcap.ts';

test.serial(
  'wglab run verifies a scenario with other names, addresses, ports, table, priority and every fault',
  async (t) => {
    const result = await wglab(['run', 'scenarios/examples/office-cloud.yaml', '--json']);
    t.deepEqual(await leftBy(result.pid!), { containers: [], networks: [] }, 'wglab run removes its lab');
    t.is(result.exitCode, 0, result.stdout + result.stderr);
    const report = JSON.parse(result.stdout) as {
      wireguard: string;
      pass: boolean;
      checks: { fault: string | null; pass: boolean; modelDisagrees?: string; predicted?: { path: string } }[];
    };
    t.true(['kernel', 'userspace'].includes(report.wireguard));
    t.deepEqual(modelDisagreements(report.checks), [], 'the routing model predicted what the lab saw');
    t.deepEqual(
      [...new Set(report.checks.map((check) => check.fault))],
      [null, 'tunnel-down', 'peer-down', 'wireguard-blocked'],
    );
  },
);

test.serial(
  'wglab run verifies hand-written configs, and keeps artifacts that tcpdump and Wireshark open',
  async (t) => {
    const artifacts = mkdtempSync(join(tmpdir(), 'wglab-artifacts-'));
    const result = await wglab(['run', 'scenarios/examples/hand-written-configs.yaml', '--artifacts', artifacts]);
    t.deepEqual(await leftBy(result.pid!), { containers: [], networks: [] }, 'wglab run removes its lab');
    t.is(result.exitCode, 0, result.stdout + result.stderr);
    t.regex(
      result.stdout,
      /^PASS 1 A https:\/\/app\.example\.com\/: expected tunnel as 198\.51\.100\.1, observed tunnel as 198\.51\.100\.1 \(HTTP 200\)$/m,
    );
    const dirs = readdirSync(artifacts)
      .filter((name) => !name.endsWith('.json'))
      .sort();
    t.deepEqual(dirs, ['01-A', '02-C', '03-A-tunnel-down']);
    const first = join(artifacts, '01-A');
    for (const file of [
      'internet.pcap',
      'A-wg0.pcap',
      'B-wg0.pcap',
      'access.log',
      'A-wg0.conf',
      'B-wg0.conf',
      'wg-show-A.txt',
      'verdict.json',
    ])
      t.true(existsSync(join(first, file)), file);
    t.regex(readFileSync(join(first, 'access.log'), 'utf8'), /^198\.51\.100\.1 - - /);
    t.regex(readFileSync(join(first, 'A-wg0.conf'), 'utf8'), /^PrivateKey = \(redacted\)$/m);
    t.notRegex(readFileSync(join(first, 'A-wg0.conf'), 'utf8'), /AAAAAAAAAAAAAAAAAAAA/);
    const tcpdump = await execa('tcpdump', ['-nn', '-r', join(first, 'A-wg0.pcap')], { reject: false });
    t.is(tcpdump.exitCode, 0, tcpdump.stderr);
    t.regex(
      tcpdump.stdout,
      /198\.51\.100\.1\.\d+ > 203\.0\.113\.2\.443: Flags \[S\]/,
      "the article's tcpdump line: SNAT on A, seen on wg0",
    );
    t.true(readPcap(readFileSync(join(first, 'internet.pcap'))).packets.length > 0);
    t.true(existsSync(join(artifacts, 'report.json')));
  },
);
