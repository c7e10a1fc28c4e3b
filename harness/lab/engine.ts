import type Dockerode from 'dockerode';
import { firstLine, WglabError } from '../errors.ts';

// testcontainers' reaper image cannot be pulled where no registry is reachable; wglab labels and removes its own resources.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';

export interface Engine {
  dockerode: Dockerode;
}

let engine: Promise<Engine> | undefined;

/** The user's Docker engine (DOCKER_HOST and the usual discovery, through testcontainers), or a clear error. */
export function connectEngine(): Promise<Engine> {
  engine ??= (async () => {
    try {
      const { getContainerRuntimeClient } = await import('testcontainers');
      const client = await getContainerRuntimeClient();
      const dockerode = client.container.dockerode;
      await dockerode.ping();
      return { dockerode };
    } catch (error) {
      engine = undefined;
      throw new WglabError(
        `no Docker engine answers${process.env.DOCKER_HOST ? ` at DOCKER_HOST=${process.env.DOCKER_HOST}` : ''}: ${firstLine(error)}`,
        {
          hint: 'start Docker, or as root on Debian/Ubuntu run `npm run setup:host` to install and start it',
          cause: error,
        },
      );
    }
  })();
  return engine;
}
