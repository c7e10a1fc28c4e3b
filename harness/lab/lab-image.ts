import Dockerode from 'dockerode';
import type { execa } from 'execa';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WglabError } from '../errors.ts';
import { describeAptSources, findAptMirror } from './apt-mirror.ts';
import type { Engine } from './engine.ts';
import type { Progress } from './progress.ts';
import { ownerIsGone } from './lab-resources.ts';
import { registerTeardown } from './shutdown.ts';
import { makeOwnedTempDir, markOwned, removeOwnedTempDir } from './temp-files.ts';

const recipeDir = new URL('../../lab-image/', import.meta.url).pathname;
const recipeFiles = ['packages.txt', 'ip-userspace-shim.sh', 'finish-rootfs.sh', 'Dockerfile'];
const suite = 'bookworm';

/** The lab image's tag: `wglab-node:<hash of its recipe>`, so a changed recipe builds a new image. */
export function labImageTag(): string {
  const hash = createHash('sha256').update(suite);
  for (const file of recipeFiles) hash.update(file).update(readFileSync(join(recipeDir, file)));
  return `wglab-node:${hash.digest('hex').slice(0, 12)}`;
}

export function labPackages(): string[] {
  return readFileSync(join(recipeDir, 'packages.txt'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
}

export interface LabImage {
  tag: string;
  built: boolean;
  seconds: number;
}

/** Makes sure the lab image exists (WGLAB_IMAGE names one to use as is); builds it only when its tag is missing. */
export async function ensureLabImage(engine: Engine, progress: Progress): Promise<LabImage> {
  const start = performance.now();
  const given = process.env.WGLAB_IMAGE;
  const tag = given ?? labImageTag();
  if (await imageExists(engine, tag)) return { tag, built: false, seconds: 0 };
  if (await copyFromLocalEngine(engine, tag, progress))
    return { tag, built: false, seconds: (performance.now() - start) / 1000 };
  if (given)
    throw new WglabError(`image ${given} (WGLAB_IMAGE) does not exist`, {
      hint: 'build it (see lab-image/Dockerfile) or unset WGLAB_IMAGE to let wglab build its own',
    });
  const lock = join(tmpdir(), `wglab-image-${tag.split(':')[1]}.lock`);
  while (!tryLock(lock)) {
    progress(`waiting for another wglab process building ${tag}`);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    if (await imageExists(engine, tag)) return { tag, built: false, seconds: (performance.now() - start) / 1000 };
  }
  try {
    if (await imageExists(engine, tag)) return { tag, built: false, seconds: 0 };
    progress(`building lab image ${tag} (once; about half a minute)`);
    await buildWithDebootstrap(engine, tag, progress);
    const seconds = (performance.now() - start) / 1000;
    progress(`lab image ${tag} built in ${seconds.toFixed(1)} s`);
    return { tag, built: true, seconds };
  } finally {
    rmSync(lock, { recursive: true, force: true });
    rmSync(`${lock}.owner`, { force: true });
  }
}

async function imageExists(engine: Engine, tag: string): Promise<boolean> {
  try {
    await engine.dockerode.getImage(tag).inspect();
    return true;
  } catch {
    return false;
  }
}

/**
 * The engine may be elsewhere (DOCKER_HOST, a VM): when the host's own engine has the image, it is sent over the
 * API (docker save from the one, docker load into the other) instead of being built again. Nothing is pulled.
 */
async function copyFromLocalEngine(engine: Engine, tag: string, progress: Progress): Promise<boolean> {
  const socketPath = '/var/run/docker.sock';
  if (!existsSync(socketPath)) return false;
  const local = new Dockerode({ socketPath });
  try {
    await local.getImage(tag).inspect();
  } catch {
    return false;
  }
  const start = performance.now();
  progress(`sending ${tag} from the local engine to this one (docker save | docker load over the API)`);
  const response = await engine.dockerode.loadImage(await local.getImage(tag).get());
  await new Promise<void>((resolve, reject) => {
    engine.dockerode.modem.followProgress(response, (error: Error | null, output: { error?: string }[]) => {
      const failed = error ?? output.find((item) => item.error)?.error;
      if (failed)
        reject(
          new WglabError(`docker load of ${tag} failed: ${String(failed)}`, {
            hint: 'check the Docker engine has disk space',
          }),
        );
      else resolve();
    });
  });
  progress(`${tag} loaded in ${((performance.now() - start) / 1000).toFixed(0)} s`);
  return imageExists(engine, tag);
}

function tryLock(lock: string): boolean {
  try {
    mkdirSync(lock);
    markOwned(lock);
    return true;
  } catch {
    const owner = existsSync(`${lock}.owner`) ? readFileSync(`${lock}.owner`, 'utf8').trim() : undefined;
    const stale = owner
      ? ownerIsGone(owner)
      : Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? 0) > 15 * 60_000;
    if (stale) rmSync(lock, { recursive: true, force: true });
    return false;
  }
}

const dockerfileHint =
  'or, where a registry is reachable: docker build -t wglab-node:dockerfile -f lab-image/Dockerfile lab-image && export WGLAB_IMAGE=wglab-node:dockerfile';

async function buildWithDebootstrap(engine: Engine, tag: string, progress: Progress): Promise<void> {
  const { execa } = await loadExeca();
  const mirror = findAptMirror(suite);
  if (!mirror) {
    // An Ubuntu host (or any without a Debian archive): lab-image/Dockerfile, where the engine can pull its base.
    progress(
      `the host's apt sources name no Debian archive (${describeAptSources()}): building lab-image/Dockerfile instead`,
    );
    await buildWithDockerfile(engine, tag, progress);
    return;
  }
  if (process.getuid?.() !== 0)
    throw new WglabError('building the lab image with debootstrap needs root', {
      hint: `run once as root (sudo npx wglab image), ${dockerfileHint}`,
    });
  if (!existsSync('/usr/sbin/debootstrap')) {
    progress('installing debootstrap');
    await run('apt-get', ['install', '-y', '-qq', 'debootstrap'], 'installing debootstrap', {
      DEBIAN_FRONTEND: 'noninteractive',
    });
  }
  const root = makeOwnedTempDir('rootfs');
  let child: ReturnType<typeof execa> | undefined;
  // Interrupted mid-build: stop debootstrap, unmount what it mounted, remove the root (prune does it after kill -9).
  const forget = registerTeardown({
    what: 'the lab image build',
    run: async () => {
      child?.kill('SIGTERM');
      await child?.catch(() => undefined);
      await removeOwnedTempDir(root);
    },
  });
  try {
    progress(`debootstrap ${suite} from the host's apt mirror with ${labPackages().length} packages`);
    child = execa(
      'debootstrap',
      ['--variant=minbase', `--include=${labPackages().join(',')}`, suite, root, mirror.uri],
      { all: true, reject: false },
    );
    const seen = new Set<string>();
    let lastLines: string[] = [];
    for await (const line of child.iterable({ from: 'all' })) {
      const text = String(line);
      lastLines = [...lastLines.slice(-15), text];
      const step = /^I: (\w+)/.exec(text)?.[1];
      if (step && !seen.has(step)) {
        seen.add(step);
        progress(`  debootstrap: ${step.toLowerCase()}…`);
      }
    }
    const result = await child;
    if (result.exitCode !== 0) {
      throw new WglabError(`debootstrap failed (exit ${result.exitCode}):\n${lastLines.join('\n')}`, {
        hint: `check the apt mirror ${mirror.uri} is reachable; ${dockerfileHint}`,
      });
    }
    for (const file of ['ip-userspace-shim.sh', 'finish-rootfs.sh'])
      copyFileSync(join(recipeDir, file), join(root, 'tmp', file));
    await run('chroot', [root, 'sh', '/tmp/finish-rootfs.sh'], 'finishing the image root');
    rmSync(join(root, 'tmp', 'finish-rootfs.sh'), { force: true });
    progress('importing the image into Docker');
    const [repo, version] = tag.split(':') as [string, string];
    const tar = execa('tar', ['-C', root, '--numeric-owner', '-c', '.'], { buffer: false, encoding: 'buffer' });
    const response = await engine.dockerode.importImage(
      tar.stdout as unknown as NodeJS.ReadableStream,
      { repo, tag: version, changes: ['CMD ["sleep","infinity"]'] } as object,
    );
    await new Promise<void>((resolve, reject) => {
      engine.dockerode.modem.followProgress(response, (error: Error | null, output: { error?: string }[]) => {
        const failed = error ?? output.find((item) => item.error)?.error;
        if (failed)
          reject(
            new WglabError(`docker import failed: ${String(failed)}`, {
              hint: 'check the Docker engine has disk space',
            }),
          );
        else resolve();
      });
    });
    await tar;
  } finally {
    forget();
    await removeOwnedTempDir(root);
  }
}

/** `docker build` of lab-image/ through the engine's API (its base image is pulled by the engine). */
export async function buildWithDockerfile(engine: Engine, tag: string, progress: Progress): Promise<void> {
  const failed = (why: string) =>
    new WglabError(
      `cannot build the lab image: the host's apt sources name no Debian archive for debootstrap (${describeAptSources()}), and the Docker engine could not build lab-image/Dockerfile: ${why}`,
      {
        hint: "add a Debian source to apt (any release's archive serves bookworm), or build lab-image/Dockerfile where a registry is reachable, docker save/load it here, and set WGLAB_IMAGE to its tag",
      },
    );
  let stream: NodeJS.ReadableStream;
  try {
    stream = await engine.dockerode.buildImage({ context: recipeDir, src: recipeFiles }, { t: tag });
  } catch (error) {
    throw failed(String(error instanceof Error ? error.message : error).split('\n')[0]!);
  }
  await new Promise<void>((resolve, reject) => {
    engine.dockerode.modem.followProgress(
      stream,
      (error: Error | null, output: { error?: string }[]) => {
        const why = error?.message ?? output.find((item) => item.error)?.error;
        if (why) reject(failed(why.split('\n')[0]!));
        else resolve();
      },
      (event: { stream?: string }) => {
        const step = /^Step \d+\/\d+ : .*/.exec(event.stream ?? '')?.[0];
        if (step) progress(`  ${step.slice(0, 100)}`);
      },
    );
  });
}

async function run(command: string, args: string[], what: string, env: Record<string, string> = {}): Promise<void> {
  const { execa } = await loadExeca();
  const result = await execa(command, args, { reject: false, all: true, env });
  if (result.exitCode !== 0) {
    throw new WglabError(
      `${what} failed: ${command} exited ${result.exitCode}\n${String(result.all).split('\n').slice(-10).join('\n')}`,
      { hint: dockerfileHint },
    );
  }
}

/** execa, loaded only to build an image: a run with the image in place starts without it. */
const loadExeca = () => import('execa');
