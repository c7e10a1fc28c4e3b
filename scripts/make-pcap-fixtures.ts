// Recreates fixtures/pcap/ with real tcpdump in a real lab (needs Docker): node --import tsx scripts/make-pcap-fixtures.ts
import { writeFileSync } from 'node:fs';
import { startLab } from '../harness/lab/start-lab.ts';
import { stderrProgress } from '../harness/lab/progress.ts';
import { loadScenario } from '../harness/wgconf/load-scenario.ts';

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
}

await main();
