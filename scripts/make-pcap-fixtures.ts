// Recreates fixtures/pcap/ with real tcpdump in a real lab (needs Docker): node --import tsx scripts/make-pcap-fixtures.ts
// (--any-only: only the endpoint's any capture across a WireGuard restart)
import { writeFileSync } from 'node:fs';
import type { Lab } from '../harness/lab/lab.ts';
import { startLab } from '../harness/lab/start-lab.ts';
import { stderrProgress } from '../harness/lab/progress.ts';
import { loadScenario } from '../harness/wgconf/load-scenario.ts';

/**
 * An endpoint's `tcpdump -i any` (LINUX_SLL2) across wg-quick down and up, beside `-i wg0` on each of the two
 * interfaces: the any capture's wg0 records (by both indices) must be the wg0 captures' packets.
 */
async function anyAcrossRestart(lab: Lab): Promise<void> {
  const start = (file: string, args: string) =>
    lab.sh(
      'A',
      `tcpdump --immediate-mode -U -n ${args} -w ${file} >${file}.log 2>&1 & echo $! > ${file}.pid; sleep 0.5`,
    );
  const stop = (file: string) => lab.sh('A', `sleep 0.3; kill -INT $(cat ${file}.pid); sleep 0.3`);
  const curl = () => lab.exec('A', ['curl', '-sS', '-o', '/dev/null', 'https://app.example.com/']);
  await lab.sh('A', 'rm -f /tmp/any.pcap /tmp/wg0-1.pcap /tmp/wg0-2.pcap');
  await start('/tmp/any.pcap', '-i any -y LINUX_SLL2');
  await start('/tmp/wg0-1.pcap', '-i wg0');
  const first = (await lab.exec('A', ['cat', '/sys/class/net/wg0/ifindex'])).stdout.trim();
  await curl();
  await stop('/tmp/wg0-1.pcap');
  await lab.wgDown('A');
  await lab.wgUp('A');
  const second = (await lab.exec('A', ['cat', '/sys/class/net/wg0/ifindex'])).stdout.trim();
  await start('/tmp/wg0-2.pcap', '-i wg0');
  await curl();
  await stop('/tmp/wg0-2.pcap');
  await stop('/tmp/any.pcap');
  for (const [file, name] of [
    ['/tmp/any.pcap', 'a-any-sll2'],
    ['/tmp/wg0-1.pcap', 'a-wg0-first'],
    ['/tmp/wg0-2.pcap', 'a-wg0-second'],
  ] as const) {
    writeFileSync(`fixtures/pcap/${name}.pcap`, await lab.readFile('A', file));
    writeFileSync(`fixtures/pcap/${name}.txt`, (await lab.exec('A', ['tcpdump', '-nn', '-tt', '-r', file])).stdout);
  }
  writeFileSync('fixtures/pcap/a-any-sll2.wg0-indices', `${first} ${second}\n`);
}

async function main(): Promise<void> {
  await using lab = await startLab(loadScenario('scenarios/article/03-transparent-a-prefix.yaml'), {
    progress: stderrProgress,
  });
  const captures: [string, string, string][] = [
    ['A', 'wg0-raw', 'tcpdump --immediate-mode -U -n -i wg0 -w /tmp/cap.pcap'],
    ['internet', 'router-any-sll', 'tcpdump --immediate-mode -U -n -i any -y LINUX_SLL -w /tmp/cap.pcap'],
    [
      'internet',
      'router-any-sll2-nano',
      'tcpdump --immediate-mode -U -n -i any -y LINUX_SLL2 --time-stamp-precision=nano -w /tmp/cap.pcap',
    ],
    ['B', 'b-eth0-ethernet', 'tcpdump --immediate-mode -U -n -i eth0 -w /tmp/cap.pcap'],
  ];
  for (const [node, name, command] of captures) {
    await lab.sh(node, `rm -f /tmp/cap.pcap; ${command} >/tmp/cap.log 2>&1 & echo $! > /tmp/cap.pid; sleep 0.5`);
    await lab.exec('A', ['curl', '-sS', '-o', '/dev/null', 'https://app.example.com/']);
    await lab.exec('C', ['curl', '-sS', '-o', '/dev/null', 'https://app.example.com/']);
    await lab.sh(node, 'sleep 0.3; kill -INT $(cat /tmp/cap.pid); sleep 0.3');
    writeFileSync(`fixtures/pcap/${name}.pcap`, await lab.readFile(node, '/tmp/cap.pcap'));
    const text = await lab.exec(node, ['tcpdump', '-nn', '-tt', '-r', '/tmp/cap.pcap']);
    writeFileSync(`fixtures/pcap/${name}.txt`, text.stdout);
  }
  await anyAcrossRestart(lab);
}

if (process.argv.includes('--any-only')) {
  await using lab = await startLab(loadScenario('scenarios/article/03-transparent-a-prefix.yaml'), {
    progress: stderrProgress,
  });
  await anyAcrossRestart(lab);
} else await main();
