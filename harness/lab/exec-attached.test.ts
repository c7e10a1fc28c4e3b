import test from 'ava';
import Dockerode from 'dockerode';
import { EventEmitter } from 'node:events';
import { Duplex, PassThrough } from 'node:stream';
import type { Engine } from './engine.ts';
import { EngineGoneError } from './engine-gone.ts';
import { execAttached, type AttachedIo } from './exec-attached.ts';

/** What the engine was asked, and the connection it hands out (the command's side driven by the test). */
interface Asked {
  create?: Dockerode.ExecCreateOptions;
  start?: Dockerode.ExecStartOptions;
  resizes: { h?: number; w?: number }[];
}

/**
 * An engine whose exec API answers from memory: `command` plays the command on the hijacked connection (what it
 * read so far, and whether its input ended); `states` are what successive inspects say.
 */
function fakeEngine(
  command: (connection: Duplex, input: () => string, inputEnded: Promise<void>) => void,
  states: { Running: boolean; ExitCode: number | null }[],
): { engine: Engine; asked: Asked } {
  const asked: Asked = { resizes: [] };
  const chunks: Buffer[] = [];
  let endInput!: () => void;
  const inputEnded = new Promise<void>((resolve) => (endInput = resolve));
  const connection = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
    final(done) {
      endInput();
      done();
    },
  });
  const exec = {
    start: async (options: Dockerode.ExecStartOptions) => {
      asked.start = options;
      setImmediate(() => command(connection, () => Buffer.concat(chunks).toString(), inputEnded));
      return connection;
    },
    resize: async (size: { h?: number; w?: number }) => asked.resizes.push(size),
    inspect: async () => states.shift() ?? { Running: false, ExitCode: 0 },
  };
  const dockerode = {
    getContainer: () => ({
      exec: async (options: Dockerode.ExecCreateOptions) => {
        asked.create = options;
        return exec;
      },
    }),
    modem: new Dockerode({ socketPath: '/nonexistent/docker.sock' }).modem,
    ping: async () => 'OK',
  } as unknown as Dockerode;
  return { engine: { name: 'tcp://10.0.0.9:2375', dockerode }, asked };
}

/** One frame of the engine's multiplexed stream: 1 stdout, 2 stderr. */
function frame(stream: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

function collected(stream: PassThrough): () => string {
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return () => Buffer.concat(chunks).toString();
}

test('without a terminal: input to the end, stdout and stderr apart, the exit status the engine recorded', async (t) => {
  const { engine, asked } = fakeEngine(
    async (connection, input, inputEnded) => {
      await inputEnded; // a command that reads to the end of its input, as `cat` does
      connection.push(frame(1, `read: ${input()}\n`));
      connection.push(frame(2, 'a warning\n'));
      connection.push(null);
    },
    [{ Running: false, ExitCode: 3 }],
  );
  const io = {
    stdin: new PassThrough(),
    stdout: new PassThrough(),
    stderr: new PassThrough(),
    signals: new EventEmitter(),
  };
  const stdout = collected(io.stdout);
  const stderr = collected(io.stderr);
  io.stdin.end('hello');
  const status = await execAttached(engine, 'c1', ['cat'], { env: { A: '1' }, io });
  t.is(status, 3);
  t.is(stdout(), 'read: hello\n');
  t.is(stderr(), 'a warning\n');
  t.like(asked.create, { Cmd: ['cat'], Env: ['A=1'], AttachStdin: true, AttachStdout: true, Tty: false });
  t.like(asked.start, { hijack: true, stdin: true, Tty: false });
  t.deepEqual(asked.resizes, []);
});

test('with a terminal: raw mode while attached, output as it is, its size followed, all restored at the end', async (t) => {
  const signals = new EventEmitter();
  const raw: boolean[] = [];
  const stdin = Object.assign(new PassThrough(), { isTTY: true, setRawMode: (mode: boolean) => raw.push(mode) });
  const stdout = Object.assign(new PassThrough(), { isTTY: true, rows: 40, columns: 120 });
  const { engine, asked } = fakeEngine(
    async (connection, input) => {
      stdin.write('ls\r');
      await new Promise((resolve) => setImmediate(resolve));
      t.deepEqual(raw, [true], 'raw while the command runs');
      stdout.columns = 100;
      signals.emit('SIGWINCH');
      connection.push(`typed: ${input()}\r\n`);
      connection.push(null); // the command exits; the terminal (stdin) stays open
    },
    // The engine may still say "running" just after the connection closes.
    [
      { Running: true, ExitCode: null },
      { Running: false, ExitCode: 0 },
    ],
  );
  const output = collected(stdout);
  const io: AttachedIo = { stdin, stdout, stderr: new PassThrough(), signals };
  const status = await execAttached(engine, 'c1', ['sh'], { io });
  t.is(status, 0);
  t.is(output(), 'typed: ls\r\r\n', 'no demultiplexing of a terminal');
  t.like(asked.create, { Tty: true, AttachStdin: true });
  t.like(asked.start, { hijack: true, stdin: true, Tty: true });
  t.deepEqual(asked.resizes, [
    { h: 40, w: 120 },
    { h: 40, w: 100 },
  ]);
  t.deepEqual(raw, [true, false]);
  t.is(signals.listenerCount('SIGWINCH'), 0);
  t.true(stdin.isPaused(), 'the terminal is no longer read');
});

test('the connection to the engine breaking mid-command is the engine gone, named', async (t) => {
  const { engine } = fakeEngine(
    (connection) => connection.destroy(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })),
    [],
  );
  const io = {
    stdin: new PassThrough(),
    stdout: new PassThrough(),
    stderr: new PassThrough(),
    signals: new EventEmitter(),
  };
  const error = await t.throwsAsync(execAttached(engine, 'c1', ['sleep', '60'], { io }), {
    instanceOf: EngineGoneError,
  });
  t.regex(error!.message, /the Docker engine \(tcp:\/\/10\.0\.0\.9:2375\) stopped answering/);
});
