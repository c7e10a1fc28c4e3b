// npm run soak -- --runs N --interrupts M [--seed S] [--on scenario.yaml ...]
// Runs the article suite N times as users run it (`wglab run scenarios/article/*.yaml`), then interrupts M runs
// of article scenarios at random moments with SIGINT, SIGTERM or SIGKILL (followed by `wglab prune`), and counts
// failed suite runs, leaks (anything the interrupted process left, after prune for SIGKILL), stack traces on
// stderr and exit codes other than the signal's (or 0/1 when the run had already finished).
import { execa } from 'execa';
import { readdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { expectedExit, interruptRun, leftBy, prune, stackTrace } from '../test/chaos/interrupt-run.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    interrupts: { type: 'string', default: '10' },
    seed: { type: 'string' },
    on: { type: 'string', multiple: true },
  },
});
const runs = Number(values.runs);
const interrupts = Number(values.interrupts);
let seed = Number(values.seed ?? Date.now() % 2147483647);
const random = () => {
  seed = (seed * 48271) % 2147483647;
  return seed / 2147483647;
};
const root = new URL('../', import.meta.url).pathname;
const article = readdirSync(`${root}scenarios/article`)
  .filter((name) => name.endsWith('.yaml'))
  .sort()
  .map((name) => `scenarios/article/${name}`);

console.log(`soak: ${runs} article-suite runs, ${interrupts} interrupts, seed ${values.seed ?? seed}`);
let failed = 0;
for (let run = 1; run <= runs; run++) {
  const start = performance.now();
  const result = await execa('node', ['bin/wglab.js', 'run', ...article], {
    cwd: root,
    reject: false,
    env: { NO_COLOR: '1' },
  });
  const ok = result.exitCode === 0 && !stackTrace.test(String(result.stderr));
  if (!ok) failed++;
  console.log(
    `suite ${run}/${runs}: exit ${result.exitCode} in ${((performance.now() - start) / 1000).toFixed(1)} s${
      ok
        ? ''
        : `\n${String(result.stdout)
            .split('\n')
            .filter((line) => /FAIL/.test(line))
            .join('\n')}\n${String(result.stderr).slice(-800)}`
    }`,
  );
}

let leaks = 0;
let traces = 0;
let badExits = 0;
const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGKILL'];
for (let index = 1; index <= interrupts; index++) {
  const targets = values.on ?? article;
  const scenario = targets[Math.floor(random() * targets.length)]!;
  const signal = signals[Math.floor(random() * signals.length)]!;
  const afterMs = Math.round(300 + random() * 8000);
  const run = await interruptRun({ args: ['run', scenario], signal, afterMs });
  if (signal === 'SIGKILL') await prune();
  const left = await leftBy(run.pid);
  const leaked = left.containers.length + left.networks.length > 0;
  const trace = stackTrace.test(run.stderr);
  const exitOk =
    signal === 'SIGKILL' ||
    (run.finished ? [0, 1].includes(run.exitCode ?? -1) : expectedExit(signal).includes(run.exitCode ?? -1));
  if (leaked) leaks++;
  if (trace) traces++;
  if (!exitOk) badExits++;
  console.log(
    `interrupt ${index}/${interrupts}: ${signal} at ${(afterMs / 1000).toFixed(1)} s of ${scenario.split('/').pop()} -> exit ${run.exitCode}${run.finished ? ' (had finished)' : ''}${leaked ? ` LEAK ${JSON.stringify(left)}` : ''}${trace ? ` STACK TRACE\n${run.stderr.slice(-1200)}` : ''}${exitOk ? '' : ' BAD EXIT'}`,
  );
  if (leaked) await execa('node', ['bin/wglab.js', 'prune'], { cwd: root, reject: false });
}
console.log(`soak-stack-traces ${traces} bad-exits ${badExits}`);
console.log(`soak-runs ${runs} failed ${failed} interrupts ${interrupts} leaks ${leaks}`);
process.exitCode = failed + leaks + traces + badExits > 0 ? 1 : 0;
