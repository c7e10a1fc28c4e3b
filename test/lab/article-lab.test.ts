import test from 'ava';
import { startLab } from '../../harness/lab/start-lab.ts';
import { WglabError } from '../../harness/errors.ts';
import { article, articleAs, ofScenario } from './helpers.ts';

test.serial(
  'the article lab reaches https://app.example.com from A (through the tunnel) and C, certificate verified',
  async (t) => {
    await using lab = await startLab(article('03-transparent-a-prefix'));
    t.log(`WireGuard: ${lab.wireguard}; bring-up: ${JSON.stringify(lab.timings)}`);
    for (const node of ['A', 'C']) {
      const result = await lab.exec(node, [
        'curl',
        '-sS',
        '-o',
        '/dev/null',
        '-w',
        '%{http_code} %{ssl_verify_result}',
        'https://app.example.com/',
      ]);
      t.is(result.stdout, '200 0', `${node}: status and certificate verification`);
    }
    const log = (await lab.exec('B', ['cat', '/var/log/nginx/access.log'])).stdout.trim().split('\n');
    t.regex(
      log[0]!,
      /^10\.0\.0\.1 - - \[.+\] "GET \/ HTTP\/1\.1" 200 /,
      'A arrives through the tunnel with its WireGuard IP',
    );
    t.regex(log[1]!, /^192\.0\.2\.3 - - /, 'C arrives over the internet with its public IP');
    // Negative control: certificate checks are really on. The WireGuard IP is not in the certificate, so without
    // --insecure curl refuses it (exit 60), as in the article.
    const unverified = await lab.exec('A', ['curl', '-sS', '-o', '/dev/null', 'https://10.0.0.2/'], {
      allowFailure: true,
    });
    t.is(unverified.exitCode, 60);
    const insecure = await lab.exec('A', [
      'curl',
      '-sS',
      '-k',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      'https://10.0.0.2/',
    ]);
    t.is(insecure.stdout, '200');
  },
);

test.serial('the lab says which WireGuard ran, and it is the one running', async (t) => {
  await using lab = await startLab(article('02-point-to-point'));
  t.true(['kernel', 'userspace'].includes(lab.wireguard));
  const processes = (await lab.exec('A', ['ps', '-eo', 'comm'])).stdout;
  const link = (await lab.exec('A', ['ip', '-d', 'link', 'show', 'wg0'])).stdout;
  if (lab.wireguard === 'userspace') {
    t.regex(processes, /wireguard-go/);
    t.regex(link, /\btun\b/);
  } else {
    t.notRegex(processes, /wireguard-go/);
    t.regex(link, /\bwireguard\b/);
  }
  // A real handshake: traffic through the tunnel, then a non-zero handshake time (0 means "never").
  await lab.exec('A', ['ping', '-c', '1', '-W', '3', '10.0.0.2']);
  t.regex((await lab.exec('A', ['wg', 'show', 'wg0', 'latest-handshakes'])).stdout, handshook);
  // Negative control: the same check on a peer whose key can never pair (B's key swapped for a fresh one).
  const peer = (await lab.exec('A', ['wg', 'show', 'wg0', 'peers'])).stdout.trim();
  const stranger = (await lab.sh('A', 'wg genkey | wg pubkey')).stdout.trim();
  await lab.sh(
    'A',
    `wg set wg0 peer ${peer} remove && wg set wg0 peer ${stranger} endpoint 203.0.113.2:51822 allowed-ips 10.0.0.2/32`,
  );
  await lab.exec('A', ['ping', '-c', '1', '-W', '1', '10.0.0.2'], { allowFailure: true });
  t.notRegex((await lab.exec('A', ['wg', 'show', 'wg0', 'latest-handshakes'])).stdout, handshook);
});

/** `wg show latest-handshakes` with a handshake: a peer key, a tab, seconds since the epoch (not 0). */
const handshook = /^\S+=\t[1-9]\d*$/m;

test.serial(
  'WGLAB_WIREGUARD forces the flavour; kernel where there is none fails clearly and leaves nothing',
  async (t) => {
    const previous = process.env.WGLAB_WIREGUARD;
    try {
      process.env.WGLAB_WIREGUARD = 'userspace';
      const scenario = articleAs('force-userspace');
      {
        await using lab = await startLab(scenario);
        t.is(lab.wireguard, 'userspace');
        t.regex((await lab.exec('A', ['ps', '-eo', 'comm'])).stdout, /wireguard-go/);
      }
      process.env.WGLAB_WIREGUARD = 'auto';
      const probe = await startLab(articleAs('probe-kernel'));
      const kernel = probe.wireguard === 'kernel';
      await probe.down();
      process.env.WGLAB_WIREGUARD = 'kernel';
      if (kernel) {
        await using lab = await startLab(articleAs('force-kernel'));
        t.is(lab.wireguard, 'kernel');
      } else {
        const error = await t.throwsAsync(startLab(articleAs('force-kernel')), { instanceOf: WglabError });
        t.regex(error!.message, /WGLAB_WIREGUARD=kernel/);
        t.regex(error!.hint ?? '', /userspace/);
        t.deepEqual(await ofScenario('force-kernel'), { containers: 0, networks: 0 });
      }
    } finally {
      if (previous === undefined) delete process.env.WGLAB_WIREGUARD;
      else process.env.WGLAB_WIREGUARD = previous;
    }
  },
);
