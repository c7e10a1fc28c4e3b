/**
 * What the CLI needs around the library's functions: progress on stderr, signal handling that tears labs down,
 * and the engine's errors in words. Library users may use them too.
 */
export { stderrProgress, silentProgress, type Progress } from '../lab/progress.ts';
export { handleSignals, interrupted, requestShutdown, shutdownFinished } from '../lab/shutdown.ts';
export { EngineGoneError, engineAddress, isEngineConnectionError } from '../lab/engine-gone.ts';
