import type { Duplex } from 'node:stream';
import type Dockerode from 'dockerode';
import type { Engine } from './engine.ts';
import { EngineGoneError, engineWentAway } from './engine-gone.ts';

/** The terminal a command is attached to: this process's, unless a test gives its own. */
export interface AttachedIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  stdout: NodeJS.WritableStream & { isTTY?: boolean; rows?: number; columns?: number };
  stderr: NodeJS.WritableStream;
  /** Emits SIGWINCH when the terminal's size changes. */
  signals: Pick<NodeJS.EventEmitter, 'on' | 'off'>;
}

const processIo = (): AttachedIo => ({
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  signals: process,
});

/**
 * Runs a command in a container with this process's input and output attached, through the engine's exec API, as
 * `docker exec -i` does (`-it` when stdin and stdout are a terminal: the terminal in raw mode while attached, its
 * size followed, restored at the end). Without a terminal, the command's stdout and stderr stay apart, and the end
 * of this process's input is the end of the command's. Returns the command's exit status.
 */
export async function execAttached(
  engine: Engine,
  containerId: string,
  command: string[],
  options: { env?: Record<string, string>; io?: AttachedIo } = {},
): Promise<number> {
  const io = options.io ?? processIo();
  const tty = Boolean(io.stdin.isTTY && io.stdout.isTTY);
  try {
    const exec = await engine.dockerode.getContainer(containerId).exec({
      Cmd: command,
      Env: Object.entries(options.env ?? {}).map(([name, value]) => `${name}=${value}`),
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      Tty: tty,
    });
    // Tty again at the start: the engine sends a terminal's output as it is, and multiplexes stdout and stderr otherwise.
    const stream = (await exec.start({ hijack: true, stdin: true, Tty: tty })) as Duplex;
    const ended = new Promise<void>((resolve, reject) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', reject);
    });
    if (tty) stream.pipe(io.stdout, { end: false });
    else engine.dockerode.modem.demuxStream(stream, io.stdout, io.stderr);
    const resize = () => {
      exec.resize({ h: io.stdout.rows, w: io.stdout.columns }).catch(() => undefined);
    };
    if (tty) {
      io.stdin.setRawMode?.(true);
      io.signals.on('SIGWINCH', resize);
      resize();
    }
    io.stdin.pipe(stream); // its end half-closes the connection: the command reads the end of its input
    try {
      await ended;
    } finally {
      io.stdin.unpipe(stream);
      io.stdin.pause(); // lets this process exit when its stdin stays open (a terminal, a pipe)
      if (tty) {
        io.signals.off('SIGWINCH', resize);
        io.stdin.setRawMode?.(false);
      }
    }
    return await exitStatus(exec);
  } catch (error) {
    if (await engineWentAway(engine, error)) throw new EngineGoneError(error, engine.name);
    throw error;
  }
}

/** The exit status the engine recorded: asked again for a moment while it still has the command running. */
async function exitStatus(exec: Dockerode.Exec): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const state = await exec.inspect();
    if (!state.Running || attempt >= 50) return state.ExitCode ?? 1;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
