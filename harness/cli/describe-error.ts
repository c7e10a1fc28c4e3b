import { relative } from 'node:path';
import { firstLine, WglabError } from '../errors.ts';
import { EngineGoneError, engineAddress, isEngineConnectionError } from '../api/progress.ts';

/** What the CLI prints for an error, and the exit code: no stack trace unless WGLAB_DEBUG=1. */
export interface ErrorReport {
  text: string;
  exitCode: number;
}

interface SystemLikeError {
  code?: string;
  statusCode?: number;
  message?: string;
  address?: string;
  json?: { message?: string };
  reason?: string;
}

/** The Docker API refused a request (dockerode's errors carry the HTTP status and the engine's message). */
function engineRefusal(error: SystemLikeError): string | undefined {
  if (typeof error.statusCode !== 'number') return undefined;
  const said = error.json?.message ?? error.reason ?? error.message ?? '';
  return `(HTTP ${error.statusCode}) ${said.replace(/^\(HTTP code \d+\)\s*[\w ]*-\s*/, '')}`.trim();
}

/** The first stack frame in wglab's own code, as `harness/x.ts:12`. */
function whereThrown(error: Error): string | undefined {
  const frames = (error.stack ?? '').split('\n').slice(1);
  const own = frames.find((frame) => /\/harness\//.test(frame) && !frame.includes('node_modules')) ?? frames[0];
  const at = /\(?((?:file:\/\/)?\/[^():]+):(\d+):\d+\)?\s*$/.exec(own ?? '');
  if (!at) return undefined;
  return `${relative(process.cwd(), at[1]!.replace(/^file:\/\//, ''))}:${at[2]}`;
}

/** Turns any error into what the CLI prints: a WglabError's message and hint, else one line naming what failed and where. */
export function describeError(error: unknown, debug = process.env.WGLAB_DEBUG === '1'): ErrorReport {
  const report = describeOne(error);
  if (debug && error instanceof Error && error.stack) return { ...report, text: `${report.text}\n${fullTrace(error)}` };
  return report;
}

function describeOne(error: unknown): ErrorReport {
  // `await using`: the run failed, and then its teardown failed too. Both matter.
  if (isSuppressedError(error)) {
    const run = describeOne(error.suppressed);
    const teardown = describeOne(error.error);
    if (teardown.text === run.text) return run;
    return { text: `${run.text}\n${teardown.text}`, exitCode: Math.max(run.exitCode, teardown.exitCode) };
  }
  if (error instanceof WglabError) return { text: error.format(), exitCode: error.exitCode };
  if (isEngineConnectionError(error)) {
    const gone = new EngineGoneError(error);
    return { text: gone.format(), exitCode: gone.exitCode };
  }
  const refusal = engineRefusal((error ?? {}) as SystemLikeError);
  if (refusal) {
    return {
      text: `wglab: the Docker engine (${engineAddress()}) refused a request: ${refusal}\n  hint: wglab status shows what is left of the lab; wglab prune removes leftovers`,
      exitCode: 2,
    };
  }
  const where = error instanceof Error ? whereThrown(error) : undefined;
  const name = error instanceof Error ? error.name : typeof error;
  return {
    text: `wglab: unexpected ${name}: ${firstLine(error)}${where ? ` (at ${where})` : ''}\n  hint: this is a bug in wglab; WGLAB_DEBUG=1 prints the full trace`,
    exitCode: 2,
  };
}

interface SuppressedLike {
  error: unknown;
  suppressed: unknown;
}

function isSuppressedError(error: unknown): error is SuppressedLike {
  return error instanceof Error && error.name === 'SuppressedError' && 'error' in error && 'suppressed' in error;
}

function fullTrace(error: Error): string {
  const lines = [error.stack ?? String(error)];
  if (isSuppressedError(error)) {
    for (const inner of [error.suppressed, error.error])
      if (inner instanceof Error) lines.push(`caused by: ${inner.stack}`);
  } else if (error.cause instanceof Error) {
    lines.push(`caused by: ${error.cause.stack}`);
  }
  return lines.join('\n');
}
