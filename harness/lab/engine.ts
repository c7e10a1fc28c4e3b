import Dockerode from 'dockerode';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { firstLine, WglabError } from '../errors.ts';
import { apiSlowness, labsFor, type EngineMeasure } from './engine-speed.ts';

// testcontainers' reaper image cannot be pulled where no registry is reachable; wglab labels and removes its own resources.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';

export interface Engine {
  dockerode: Dockerode;
  /** The engine as the user gave it (`--engine`, WGLAB_ENGINES, DOCKER_HOST), or the local socket's address. */
  name: string;
}

/** The local engine's address when nothing names one. */
export const localEngine = 'unix:///var/run/docker.sock';

const engines = new Map<string, Promise<Engine>>();

/**
 * A Docker engine: the one `url` names (`unix:///path`, `tcp://host:port`, `ssh://user@host`, as Docker clients
 * take them), or without it the user's (DOCKER_HOST and the usual discovery, through testcontainers). Connected
 * once per address; a clear error when it does not answer.
 */
export function connectEngine(url?: string): Promise<Engine> {
  const key = url ?? '';
  let engine = engines.get(key);
  if (!engine) {
    engine = (async () => {
      try {
        const dockerode = url === undefined ? await discoveredClient() : new Dockerode(dockerodeOptions(url));
        await dockerode.ping();
        return { dockerode, name: url ?? process.env.DOCKER_HOST ?? localEngine };
      } catch (error) {
        engines.delete(key);
        if (error instanceof WglabError) throw error;
        const where = url ?? (process.env.DOCKER_HOST ? `DOCKER_HOST=${process.env.DOCKER_HOST}` : undefined);
        throw new WglabError(`no Docker engine answers${where ? ` at ${where}` : ''}: ${firstLine(error)}`, {
          hint:
            url === undefined
              ? 'start Docker, or as root on Debian/Ubuntu run `npm run setup:host` to install and start it'
              : `start that engine or leave it out of --engine/WGLAB_ENGINES (wglab vm up prints its VM's address)`,
          cause: error,
        });
      }
    })();
    engines.set(key, engine);
  }
  return engine;
}

async function discoveredClient(): Promise<Dockerode> {
  const socket = localSocketFirst(process.env, existsSync);
  if (socket !== undefined) {
    const local = new Dockerode({ socketPath: socket });
    if (
      await local.ping().then(
        () => true,
        () => false,
      )
    )
      return local;
  }
  const { getContainerRuntimeClient } = await import('testcontainers');
  return (await getContainerRuntimeClient()).container.dockerode;
}

/**
 * The socket testcontainers' discovery takes first when nothing names an engine: the local one, unless DOCKER_HOST
 * or ~/.testcontainers.properties names another. Taken directly while it answers, which spares each start loading
 * testcontainers and its probes (docker info, docker compose, host lookups); otherwise the discovery runs.
 */
export function localSocketFirst(
  env: Record<string, string | undefined>,
  exists: (path: string) => boolean,
  home = homedir(),
): string | undefined {
  const socket = new URL(localEngine).pathname;
  if (env.DOCKER_HOST !== undefined || exists(join(home, '.testcontainers.properties'))) return undefined;
  return exists(socket) ? socket : undefined;
}

/** Dockerode's options for an engine address; a WglabError for one it cannot use. */
export function dockerodeOptions(url: string): Dockerode.DockerOptions {
  const bad = (why: string) =>
    new WglabError(`engine ${JSON.stringify(url)}: ${why}`, {
      hint: 'give unix:///var/run/docker.sock, tcp://HOST:PORT or ssh://USER@HOST[:PORT], as DOCKER_HOST takes them',
    });
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw bad('not an address');
  }
  if (parsed.protocol === 'unix:') {
    if (parsed.pathname === '' || parsed.pathname === '/') throw bad('no socket path');
    return { socketPath: parsed.pathname };
  }
  if (parsed.hostname === '') throw bad('no host');
  if (parsed.protocol === 'tcp:') {
    if (parsed.port === '') throw bad('no port');
    const tls = process.env.DOCKER_TLS_VERIFY === '1' || parsed.port === '2376';
    return { host: parsed.hostname, port: Number(parsed.port), protocol: tls ? 'https' : 'http' };
  }
  if (parsed.protocol === 'ssh:') {
    return {
      protocol: 'ssh',
      host: parsed.hostname,
      port: parsed.port === '' ? 22 : Number(parsed.port),
      ...(parsed.username === '' ? {} : { username: decodeURIComponent(parsed.username) }),
      sshOptions: { agent: process.env.SSH_AUTH_SOCK },
    };
  }
  throw bad(`${parsed.protocol.replace(/:$/, '')}:// is not an engine address wglab knows`);
}

/**
 * The engines a run uses: each `--engine` given, else WGLAB_ENGINES (comma-separated), else none (the user's
 * one engine). Duplicates are dropped; each address is checked here, before any lab starts.
 */
export function engineUrls(given: string[] = [], env: NodeJS.ProcessEnv = process.env): string[] {
  const listed =
    given.length > 0
      ? given
      : (env.WGLAB_ENGINES ?? '')
          .split(',')
          .map((url) => url.trim())
          .filter((url) => url !== '');
  const urls = [...new Set(listed)];
  for (const url of urls) dockerodeOptions(url);
  return urls;
}

/** An engine's CPUs and memory, and the fastest of three `info` calls to its API (which makes the engine work a little). */
export async function measureEngine(engine: Engine): Promise<EngineMeasure> {
  let info: { NCPU?: number; MemTotal?: number } = {};
  let infoSeconds = Infinity;
  for (let round = 0; round < 3; round++) {
    const start = performance.now();
    info = (await engine.dockerode.info()) as typeof info;
    infoSeconds = Math.min(infoSeconds, (performance.now() - start) / 1000);
  }
  return { cpus: info.NCPU ?? 1, memoryBytes: info.MemTotal ?? labBytesFallback, infoSeconds };
}

const labBytesFallback = 1024 * 1024 * 1024;

/**
 * The engines a run places labs on, connected and measured (all at once): each with the labs it runs at once
 * (`labsFor`, at most `cap`). An engine that does not answer stops the run here, before any lab starts.
 */
export async function engineSlots(
  urls: string[],
  cap?: number,
): Promise<{ engine: Engine; labs: number; slowness: number; measure: EngineMeasure }[]> {
  return await Promise.all(
    urls.map(async (url) => {
      const engine = await connectEngine(url);
      const measure = await measureEngine(engine);
      return { engine, labs: labsFor(measure, cap), slowness: apiSlowness(measure), measure };
    }),
  );
}
