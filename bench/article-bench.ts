// npm run bench: the article's whole walkthrough through wglab (labs reused across scenarios, 2 at a time), one line per phase, last `article-suite-seconds N`;
// then, in the same run, the hand-rolled baseline ../shared/bench/reference-lab.sh on the same image, for comparison.
import { execa } from 'execa';
import { existsSync, readdirSync } from 'node:fs';
import { connectEngine } from '../harness/lab/engine.ts';
import { ensureLabImage } from '../harness/lab/lab-image.ts';
import { stderrProgress } from '../harness/lab/progress.ts';
import { loadScenario } from '../harness/scenario/load-scenario.ts';
import { runScenarios } from '../harness/verify/run-scenario.ts';

const concurrency = Number(process.env.WGLAB_BENCH_CONCURRENCY ?? 2);
const say = (line: string) => process.stdout.write(`${line}\n`);
const seconds = (value: number) => value.toFixed(2);

async function main(): Promise<number> {
  const engine = await connectEngine();
  const imageStart = performance.now();
  const image = await ensureLabImage(engine, stderrProgress);
  say(`image ${seconds((performance.now() - imageStart) / 1000)} ${image.built ? '(built)' : '(cached)'} ${image.tag}`);

  const dir = 'scenarios/article/';
  const files = readdirSync(dir).filter((name) => name.endsWith('.yaml')).sort();
  const start = performance.now();
  let failed = 0;
  let checks = 0;
  await runScenarios(files.map((file) => loadScenario(dir + file)), {
    concurrency,
    onReport: (report) => {
      const t = report.timings;
      const bringUp = Object.entries(t).filter(([name]) => !['checks', 'total'].includes(name)).reduce((sum, [, value]) => sum + value, 0);
      checks += report.checks.length;
      failed += report.checks.filter((check) => !check.pass).length;
      const how = 'reconfigure' in t ? 'reconfigure' : 'bring-up';
      say(`${report.scenario} ${how} ${seconds(bringUp)} checks ${seconds(t.checks ?? 0)} (${report.checks.length}) total ${seconds(t.total ?? 0)} wireguard ${report.wireguard}${report.pass ? '' : ' FAILED'}`);
    },
  });
  const suite = (performance.now() - start) / 1000;
  say(`article-checks ${checks} failed ${failed} concurrency ${concurrency}`);
  say(`article-suite-seconds ${seconds(suite)}`);

  const reference = new URL('../../shared/bench/reference-lab.sh', import.meta.url).pathname;
  if (!existsSync(reference)) {
    say(`reference skipped: ${reference} not found`);
  } else {
    const missing = (await Promise.all(['wg', 'openssl', 'bc'].map(async (tool) => ((await execa('sh', ['-c', `command -v ${tool}`], { reject: false })).exitCode === 0 ? '' : tool)))).filter(Boolean);
    if (missing.length > 0) {
      say(`reference skipped: the host lacks ${missing.join(', ')} (apt-get install wireguard-tools openssl bc)`);
    } else {
      const result = await execa('bash', [reference], { env: { IMG: image.tag }, reject: false, all: true });
      for (const line of String(result.all).split('\n').filter(Boolean)) say(`reference ${line}`);
      const total = /^total ([\d.]+)/m.exec(String(result.all))?.[1];
      if (total) say(`ratio wglab/reference ${seconds(suite / Number(total))}`);
    }
  }
  return failed > 0 ? 1 : 0;
}

process.exitCode = await main();
