import type Dockerode from 'dockerode';
import { randomBytes } from 'node:crypto';
import { PassThrough, type Duplex } from 'node:stream';

/** What a command left: its exit code and output. */
export interface ShellResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * One long-lived `sh` in a container, fed commands on its stdin, one at a time. A `docker exec` costs a runc
 * start and three API calls (tens of milliseconds, and CPU the lab needs); a line on a pipe costs nothing.
 * Each command runs in its own `sh -c` with stdin from /dev/null (so it cannot read the protocol, and a syntax
 * error cannot end the session), then prints an end marker with its exit code on stdout and on stderr.
 * Background processes may keep the pipes: the marker, not end of file, ends a command.
 */
export class NodeShell {
  private readonly stdout: Chunks;
  private readonly stderr: Chunks;
  private queue: Promise<unknown> = Promise.resolve();
  private closed?: Error;

  private constructor(
    private readonly stream: Duplex,
    stdout: PassThrough,
    stderr: PassThrough,
  ) {
    this.stdout = new Chunks(stdout);
    this.stderr = new Chunks(stderr);
    const end = (error?: Error) => {
      this.closed ??= error ?? new Error('the shell session ended');
      this.stdout.fail(this.closed);
      this.stderr.fail(this.closed);
    };
    stream.on('end', () => end());
    stream.on('close', () => end());
    stream.on('error', (error: Error) => end(error));
    this.idle(true);
  }

  /** An idle session must not keep the process alive (a detached `wglab up` exits); a running command must. */
  private idle(idle: boolean): void {
    const socket = this.stream as Duplex & { ref?: () => void; unref?: () => void };
    if (idle) socket.unref?.();
    else socket.ref?.();
  }

  static async open(dockerode: Dockerode, containerId: string): Promise<NodeShell> {
    const exec = await dockerode
      .getContainer(containerId)
      .exec({ Cmd: ['sh'], AttachStdin: true, AttachStdout: true, AttachStderr: true, Tty: false });
    const stream = (await exec.start({ hijack: true, stdin: true })) as unknown as Duplex;
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    dockerode.modem.demuxStream(stream, stdout, stderr);
    return new NodeShell(stream, stdout, stderr);
  }

  /** Runs argv (each word quoted for the shell) with extra environment; resolves when it has exited. */
  run(command: string[], env: Record<string, string> = {}): Promise<ShellResult> {
    const result = this.queue.then(() => this.runNow(command, env));
    this.queue = result.catch(() => undefined);
    return result;
  }

  close(): void {
    this.closed ??= new Error('the shell session was closed');
    this.stream.end();
    this.stream.destroy();
  }

  private async runNow(command: string[], env: Record<string, string>): Promise<ShellResult> {
    if (this.closed) throw this.closed;
    const marker = `\u001ewglab-${randomBytes(6).toString('hex')}`;
    const assignments = Object.entries(env).map(([name, value]) => `${name}=${quote(value)}`);
    const line = `${assignments.length > 0 ? `env ${assignments.join(' ')} ` : ''}${command.map(quote).join(' ')} </dev/null; printf '${marker} %d\\036' $?; printf '${marker}\\036' >&2\n`;
    const out = this.stdout.until(marker);
    const err = this.stderr.until(marker);
    this.idle(false);
    this.stream.write(line);
    const [stdout, stderr] = await Promise.all([out, err]).finally(() => this.idle(true));
    const exit = /^ (\d+)\u001e/.exec(stdout.after);
    return { exitCode: exit ? Number(exit[1]) : -1, stdout: stdout.before, stderr: stderr.before };
  }
}

/** Single-quotes a word for sh. */
export function quote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Bytes of one output stream, handed out up to each command's end marker. */
class Chunks {
  private buffer = Buffer.alloc(0);
  private waiter?: {
    marker: Buffer;
    resolve: (value: { before: string; after: string }) => void;
    reject: (error: Error) => void;
  };
  private failed?: Error;

  constructor(stream: PassThrough) {
    stream.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.settle();
    });
  }

  until(text: string): Promise<{ before: string; after: string }> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      this.waiter = { marker: Buffer.from(text), resolve, reject };
      this.settle();
    });
  }

  fail(error: Error): void {
    this.failed = error;
    this.waiter?.reject(error);
    this.waiter = undefined;
  }

  private settle(): void {
    if (!this.waiter) return;
    const at = this.buffer.indexOf(this.waiter.marker);
    if (at < 0) return;
    const start = at + this.waiter.marker.length;
    // The stdout marker carries the exit code and a closing \x1e; stderr's only the closing \x1e.
    const close = this.buffer.indexOf(0x1e, start);
    if (close < 0) return;
    const before = this.buffer.subarray(0, at).toString('utf8');
    const after = this.buffer.subarray(start, close + 1).toString('utf8');
    this.buffer = this.buffer.subarray(close + 1);
    const { resolve } = this.waiter;
    this.waiter = undefined;
    resolve({ before, after });
  }
}
