import test from 'ava';
import { quote } from '../../harness/lab/node-shell.ts';
import { NodeCommandError } from '../../harness/lab/node-command-error.ts';
import { startLab } from '../../harness/lab/start-lab.ts';
import { articleAs } from './helpers.ts';

test('quote keeps plain words and single-quotes the rest', (t) => {
  t.is(quote('wg-quick'), 'wg-quick');
  t.is(quote('%{http_code} x'), `'%{http_code} x'`);
  t.is(quote(`it's`), `'it'\\''s'`);
  t.is(quote(''), `''`);
});

test.serial(
  'the per-node shell session keeps exit codes, stdout and stderr apart, survives syntax errors, stdin readers and background jobs',
  async (t) => {
    await using lab = await startLab(articleAs('node-shell', 'tunnel: { dialer: A, listener: B }'));
    t.deepEqual(await lab.exec('C', ['sh', '-c', 'printf "out"; printf "err" >&2; exit 7'], { allowFailure: true }), {
      exitCode: 7,
      stdout: 'out',
      stderr: 'err',
    });
    t.is(
      (await lab.exec('C', ['sh', '-c', 'if then fi'], { allowFailure: true })).exitCode,
      2,
      'a syntax error fails that command only',
    );
    t.is((await lab.exec('C', ['cat'])).stdout, '', 'a command reading stdin sees end of file, not the session');
    t.is(
      (await lab.exec('C', ['sh', '-c', 'sleep 30 & echo started'])).stdout,
      'started\n',
      'a background job holding the pipes does not hold the command',
    );
    t.is(
      (await lab.exec('C', ['printf', '%s', `a 'quoted' "word" $HOME \\ ; | &`])).stdout,
      `a 'quoted' "word" $HOME \\ ; | &`,
    );
    t.is((await lab.exec('C', ['sh', '-c', 'echo $WGLAB_X'], { env: { WGLAB_X: 'x y' } })).stdout, 'x y\n');
    const many = await Promise.all(
      Array.from({ length: 20 }, (_, index) => lab.exec(['A', 'B', 'C'][index % 3]!, ['echo', String(index)])),
    );
    t.deepEqual(
      many.map((result) => result.stdout),
      Array.from({ length: 20 }, (_, index) => `${index}\n`),
      'concurrent commands each get their own output',
    );
    const big = await lab.exec('C', ['sh', '-c', 'head -c 3000000 /dev/zero | base64 -w0']);
    t.is(big.stdout.length, 4000000);
    const error = await t.throwsAsync(lab.exec('C', ['false']), { instanceOf: NodeCommandError });
    t.regex(error!.message, /node C \(exit 1\): false/);
  },
);

test.serial(
  'writeFiles puts files in a node through its shell, with their modes; a large one (200 KiB, past one command line) in pieces; lanes run side by side',
  async (t) => {
    await using lab = await startLab(articleAs('node-shell-files', 'tunnel: { dialer: A, listener: B }'));
    // A pattern that repeats every 251 bytes: a piece out of order or lost changes the bytes read back.
    const large = Buffer.from(Array.from({ length: 200 * 1024 }, (_, at) => at % 251));
    await lab.writeFiles('C', [
      { content: `it's "quoted" $HOME\n`, target: '/etc/wglab/t/small file', mode: 0o640 },
      { content: new Uint8Array([0, 255, 10, 39]), target: '/etc/wglab/t/binary', mode: 0o600 },
    ]);
    await lab.writeFiles('C', [{ content: large, target: '/etc/wglab/t/large', mode: 0o644 }]);
    t.is((await lab.exec('C', ['cat', '/etc/wglab/t/small file'])).stdout, `it's "quoted" $HOME\n`);
    t.is(
      (
        await lab.exec('C', [
          'stat',
          '-c',
          '%a %s',
          '/etc/wglab/t/small file',
          '/etc/wglab/t/binary',
          '/etc/wglab/t/large',
        ])
      ).stdout,
      `640 20\n600 4\n644 ${large.length}\n`,
    );
    t.true(Buffer.from(await lab.readFile('C', '/etc/wglab/t/large')).equals(large), 'the large file, byte for byte');
    t.is(
      (await lab.exec('C', ['od', '-An', '-tu1', '/etc/wglab/t/binary'])).stdout.trim().split(/\s+/).join(' '),
      '0 255 10 39',
    );
    t.is(
      (await lab.exec('C', ['stat', '-c', '%a', '/etc/wglab/t'])).stdout,
      '755\n',
      'directories as an archive would make them',
    );
    // Several files that together exceed what one command line holds go as an archive too.
    await lab.writeFiles(
      'C',
      [40, 41].map((size) => ({ content: Buffer.alloc(size * 1024, 1), target: `/etc/wglab/t/${size}k`, mode: 0o600 })),
    );
    t.is((await lab.exec('C', ['stat', '-c', '%s', '/etc/wglab/t/40k', '/etc/wglab/t/41k'])).stdout, '40960\n41984\n');
    // Two lanes of one node run at once: lane 0 waits for a file only lane 1 makes. Were the lanes one queue, lane 0
    // would wait out its 10 s and exit 124.
    await lab.exec('C', ['rm', '-f', '/tmp/lane-1-ran']);
    const [waiting, making] = await Promise.all([
      lab.exec('C', ['timeout', '10', 'sh', '-c', 'until [ -e /tmp/lane-1-ran ]; do sleep 0.05; done'], { lane: 0 }),
      lab.exec('C', ['sh', '-c', 'sleep 0.3; touch /tmp/lane-1-ran'], { lane: 1 }),
    ]);
    t.is(making.exitCode, 0);
    t.is(waiting.exitCode, 0, 'lane 0 saw the file lane 1 made while lane 0 still ran');
  },
);
