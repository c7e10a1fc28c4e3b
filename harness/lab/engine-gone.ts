import { WglabError } from '../errors.ts';
import type { Engine } from './engine.ts';

interface SystemLikeError {
  code?: string;
  message?: string;
  address?: string;
}

const connectionCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOENT',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ECONNABORTED',
]);

/** Where the Docker engine is, as the user gave it. */
export function engineAddress(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_HOST ? `DOCKER_HOST=${env.DOCKER_HOST}` : 'unix:///var/run/docker.sock';
}

/** The engine stopped answering: a refused or reset connection to its socket, or a request left hanging. */
export function isEngineConnectionError(error: unknown): boolean {
  if (error instanceof EngineGoneError) return true;
  const { code, message, address } = (error ?? {}) as SystemLikeError;
  const aboutDocker = /docker|\.sock/i.test(`${address ?? ''} ${message ?? ''}`);
  if (code && connectionCodes.has(code)) return code !== 'ENOENT' || aboutDocker;
  return /socket hang up|Cannot connect to the Docker daemon/i.test(message ?? '');
}

/** The Docker engine went away mid-run: one message, whichever request noticed first. */
export class EngineGoneError extends WglabError {
  constructor(cause?: unknown, engine?: string) {
    super(`the Docker engine (${engine ?? engineAddress()}) stopped answering`, {
      hint: 'start it again (npm run setup:host), then remove what the run left: wglab prune',
      cause,
    });
    this.name = 'EngineGoneError';
  }
}

/** Whether the engine still answers a ping (within a few seconds). */
export async function engineAnswers(engine: Engine, timeoutMs = 3000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const ping = engine.dockerode.ping().then(
    () => true,
    () => false,
  );
  const answered = await Promise.race([ping, timeout]);
  clearTimeout(timer);
  return answered;
}

/**
 * Whether a failure came from the engine going away: an EngineGoneError or a refused or reset connection says so
 * at once; otherwise the engine is asked (a ping). Every caller that must tell "the engine is gone" from "this
 * command failed" asks here.
 */
export async function engineWentAway(engine: Engine, error: unknown): Promise<boolean> {
  return isEngineConnectionError(error) || !(await engineAnswers(engine));
}
