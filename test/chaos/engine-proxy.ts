import { rmSync } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A Docker engine that can die without taking the machine's engine with it: a unix socket that forwards to
 * the real engine's, closed on demand (every connection cut), so a test can stop "the engine" mid-run while
 * other labs on the same engine go on.
 */
export class EngineProxy {
  readonly path = join(tmpdir(), `wglab-engine-proxy-${process.pid}-${Date.now()}.sock`);
  private readonly sockets = new Set<Socket>();
  private readonly server = createServer((client) => {
    const engine = createConnection(this.target);
    for (const socket of [client, engine]) {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => socket.destroy());
    }
    client.pipe(engine).pipe(client);
  });

  constructor(private readonly target = '/var/run/docker.sock') {}

  get dockerHost(): string {
    return `unix://${this.path}`;
  }

  async start(): Promise<this> {
    rmSync(this.path, { force: true });
    await new Promise<void>((resolve) => this.server.listen(this.path, resolve));
    return this;
  }

  /** The engine "stops": no new connection, every open one cut. */
  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
    rmSync(this.path, { force: true });
  }
}
