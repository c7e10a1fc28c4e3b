import test from 'ava';
import { WglabError } from '../errors.ts';
import { dockerodeOptions, engineUrls, localSocketFirst } from './engine.ts';

test('engine addresses as Docker clients take them become dockerode options', (t) => {
  t.deepEqual(dockerodeOptions('unix:///var/run/docker.sock'), { socketPath: '/var/run/docker.sock' });
  t.deepEqual(dockerodeOptions('tcp://127.0.0.1:40947'), { host: '127.0.0.1', port: 40947, protocol: 'http' });
  t.is(dockerodeOptions('tcp://build-2.lan:2376').protocol, 'https');
  t.like(dockerodeOptions('ssh://ci@runner-3:2222'), { protocol: 'ssh', host: 'runner-3', port: 2222, username: 'ci' });
  t.like(dockerodeOptions('ssh://runner-3'), { protocol: 'ssh', host: 'runner-3', port: 22 });
});

test('an engine address wglab cannot use is refused with the forms it takes', (t) => {
  for (const [url, why] of [
    ['http://127.0.0.1:2375', 'http:// is not an engine address'],
    ['tcp://127.0.0.1', 'no port'],
    ['unix://', 'no socket path'],
    ['127.0.0.1:2375', 'not an address'],
    ['tcp://:2375', 'not an address'],
    ['ssh://', 'no host'],
  ] as const) {
    const error = t.throws(() => dockerodeOptions(url), { instanceOf: WglabError });
    t.true(error.message.includes(why), `${url}: ${error.message}`);
    t.regex(error.hint ?? '', /tcp:\/\/HOST:PORT/);
  }
});

test('--engine wins over WGLAB_ENGINES; duplicates go; neither means the one engine DOCKER_HOST names', (t) => {
  const env = { WGLAB_ENGINES: 'unix:///var/run/docker.sock, tcp://127.0.0.1:40947,,' };
  t.deepEqual(engineUrls([], env), ['unix:///var/run/docker.sock', 'tcp://127.0.0.1:40947']);
  t.deepEqual(engineUrls(['tcp://10.0.0.9:2375', 'tcp://10.0.0.9:2375'], env), ['tcp://10.0.0.9:2375']);
  t.deepEqual(engineUrls([], {}), []);
  t.deepEqual(engineUrls(undefined, { DOCKER_HOST: 'tcp://127.0.0.1:1' }), []);
  t.throws(() => engineUrls([], { WGLAB_ENGINES: 'docker.sock' }), { message: /not an address/ });
});

test("with nothing naming an engine, the local socket is taken first, as testcontainers' discovery would", (t) => {
  const files =
    (...paths: string[]) =>
    (path: string) =>
      paths.includes(path);
  t.is(localSocketFirst({}, files('/var/run/docker.sock'), '/home/u'), '/var/run/docker.sock');
  t.is(localSocketFirst({}, files(), '/home/u'), undefined, 'no local socket: the discovery looks further');
  t.is(localSocketFirst({ DOCKER_HOST: 'tcp://127.0.0.1:2375' }, files('/var/run/docker.sock')), undefined);
  t.is(
    localSocketFirst({}, files('/var/run/docker.sock', '/home/u/.testcontainers.properties'), '/home/u'),
    undefined,
    'the properties file may name another engine',
  );
});
