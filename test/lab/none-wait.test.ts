import test from 'ava';
import { startLab } from '../../harness/lab/start-lab.ts';
import { noneWaitSeconds } from '../../harness/verify/none-wait.ts';
import { runCheck } from '../../harness/verify/run-check.ts';
import { parseScenario } from '../../harness/wgconf/load-scenario.ts';

// B's nginx is paused for four seconds (SIGSTOP): C's TCP connects (the kernel completes it), its TLS waits for
// nginx, beyond the short wait of a check expected to fail. A busy machine makes the same shape out of any path.
const scenario = parseScenario(`name: none-wait-slow-tls
endpoints:
  A: { publicIp: 198.51.100.1, wgIp: 10.0.0.1, listenPort: 51821 }
  B: { publicIp: 203.0.113.2, wgIp: 10.0.0.2, listenPort: 51822, serves: app.example.com }
  C: { publicIp: 192.0.2.3 }
tunnel: { dialer: A, listener: B, transparent: [A] }
`);

test.serial(
  'a check expected to fail whose TCP connected and whose TLS outlasted the short wait is sent again with the full wait, and its verdict names the path it took (internet), not unclear',
  async (t) => {
    await using lab = await startLab(scenario);
    const url = 'https://app.example.com/';
    const working = await runCheck(lab, { from: 'C', url, insecure: false, expect: { path: 'internet' } }, 0);
    t.true(working.verdict.pass, working.verdict.reasons.join('; '));
    const wait = noneWaitSeconds(lab.slowestConnect, await lab.engineSlowness());

    await lab.sh(
      'B',
      "pkill -STOP -f '[n]ginx: worker' && (sleep 4; pkill -CONT -f '[n]ginx: worker') >/dev/null 2>&1 &",
    );
    const said: string[] = [];
    const flipped = await runCheck(lab, { from: 'C', url, insecure: false, expect: { path: 'none' } }, 1, {
      progress: (line) => said.push(line),
    });
    t.true(
      said.some((line) => /check 2 connected and then outlasted the short wait .*sending it again/.test(line)),
      said.join('\n'),
    );
    // The answer came after nginx went on: the second try waited for it, where the first (at most `wait`) could not.
    t.true(flipped.evidence.request.tlsSeconds! > wait, `TLS after ${flipped.evidence.request.tlsSeconds} s`);
    t.false(flipped.verdict.pass);
    t.is(flipped.verdict.observed.path, 'internet', flipped.verdict.reasons.join('; '));
    t.regex(flipped.verdict.reasons.join(' '), /^expected path none, observed internet/);
  },
);
