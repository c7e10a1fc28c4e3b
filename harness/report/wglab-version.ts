import { readFileSync } from 'node:fs';

/**
 * This wglab's version, from its package.json (beside harness/ in a checkout, beside dist/ in the package).
 * Every report.json carries it, so merge-reports can refuse to join reports that different versions wrote.
 */
export const wglabVersion: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
