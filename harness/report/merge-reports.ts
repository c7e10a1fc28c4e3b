import { z } from 'zod';
import { WglabError, WglabErrors } from '../errors.ts';
import type { ScenarioReport } from './report-model.ts';
import { shardText, type Shard } from '../verify/shard-scenarios.ts';

// Joining the reports of `wglab run --shard I/N` (or of any runs of different scenarios) into one.
// Pure: the files are read by the caller (api/merge-report-dirs.ts), which also copies the artifacts.

/** One report.json to merge: where it came from (for messages) and what it holds. */
export interface ReportSource {
  /** The report directory, as the user named it. */
  dir: string;
  /** Its report.json, as the user would find it. */
  file: string;
  json: unknown;
}

export interface MergedReport {
  /** Every scenario of every source once, in the order the sources were given, then each source's order. */
  runs: ScenarioReport[];
  /** True only when every scenario (and every check) of every source passed. */
  pass: boolean;
  wglabVersion: string;
  /** Which scenarios came from which directory (the artifacts under `<dir>/<scenario>/` go along with them). */
  sources: { dir: string; scenarios: string[]; shard?: Shard }[];
}

// What the report writers read, checked before they read it; anything else a report holds is kept as it is.
const nullable = <T extends z.ZodTypeAny>(type: T) => type.nullable();
const checkSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    kind: z.string().optional(),
    target: z.string().optional(),
    url: z.string().optional(),
    fault: nullable(z.string()),
    expected: z.object({ sourceIp: nullable(z.string()), path: z.string() }).passthrough(),
    observed: z
      .object({ sourceIp: nullable(z.string()), path: z.string(), httpStatus: nullable(z.number()) })
      .passthrough(),
    pass: z.boolean(),
    reasons: z.array(z.string()),
    seen: z.array(z.string()),
    captures: z.array(
      z
        .object({
          label: z.string(),
          node: z.string(),
          iface: z.string(),
          packets: z.number(),
          flows: z.array(z.string()),
          absent: z.string().optional(),
          pcap: z.string().optional(),
        })
        .passthrough(),
    ),
    logLine: nullable(z.string()),
    note: z.string().optional(),
    seconds: z.number(),
  })
  .passthrough();
const scenarioSchema = z
  .object({
    // As a scenario file's name: one path segment, so `<dir>/<scenario>/` stays inside the report directory.
    scenario: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/i, 'is not a scenario name'),
    description: nullable(z.string()),
    topology: z
      .object({
        endpoints: z.array(
          z
            .object({
              name: z.string(),
              publicIp: z.string(),
              wgIp: nullable(z.string()),
              listenPort: nullable(z.number()),
              serves: nullable(z.string()),
              transparent: z.boolean(),
            })
            .passthrough(),
        ),
        tunnel: z.array(z.string()),
      })
      .passthrough(),
    engine: z.string(),
    wireguard: z.string(),
    lab: z.string(),
    checks: z.array(checkSchema),
    pass: z.boolean(),
    timings: z.record(z.number()),
    configs: z.record(z.string()),
    lint: z.array(z.object({}).passthrough()),
  })
  .passthrough();
const shardSchema = z
  .object({ index: z.number().int().min(1), total: z.number().int().min(1) })
  .refine((shard) => shard.index <= shard.total, 'index is above total');

const rerun = 'run that shard again with this wglab (wglab run FILES... --shard I/N --report DIR)';

/**
 * Joins report.json files (`wglab run --report DIR`, one per shard) into one report: every scenario once,
 * `pass` false when any scenario or check of any source failed. Refuses, as a WglabError (exit 2) naming the
 * file and what to do: a file that is not a wglab report; one without a wglab version (written before reports
 * carried it); versions that differ from each other or from `version` (the wglab merging, whose writers render
 * them); a scenario that appears twice; and, when every source is a shard of a split, shards of different splits,
 * a shard given twice or a shard missing.
 */
export function mergeReports(sources: readonly ReportSource[], version: string): MergedReport {
  if (sources.length === 0)
    throw new WglabError('no report to merge', { hint: 'give the report directories of every shard' });
  const read = sources.map((source) => readSource(source));
  const versions = [...new Set(read.map((source) => source.version))];
  if (versions.length > 1)
    throw new WglabError(
      `the reports were written by different wglab versions: ${read.map((source) => `${source.file} by ${source.version}`).join(', ')}`,
      {
        hint: 'run every shard with the same wglab (npm ci from one package-lock.json), then merge with that wglab',
      },
    );
  if (versions[0] !== version)
    throw new WglabError(
      `the reports were written by wglab ${versions[0]}, but this is wglab ${version}: its report writers may not read them as they were meant`,
      {
        hint: `merge with the wglab that ran the shards (npx wglab from the same checkout), or ${rerun}`,
      },
    );
  const runs: ScenarioReport[] = [];
  const from = new Map<string, string>();
  const twice: WglabError[] = [];
  for (const source of read) {
    for (const run of source.runs) {
      const earlier = from.get(run.scenario);
      if (earlier !== undefined) {
        twice.push(
          new WglabError(`scenario ${run.scenario} appears twice: in ${earlier} and in ${source.file}`, {
            hint: "give each shard's report directory once, all from one split (the same files and the same N); a scenario is run by one shard only",
          }),
        );
        continue;
      }
      from.set(run.scenario, source.file);
      runs.push(run);
    }
  }
  if (twice.length === 1) throw twice[0]!;
  if (twice.length > 1) throw new WglabErrors(twice);
  checkShards(read);
  return {
    runs,
    pass: runs.every((run) => run.pass),
    wglabVersion: version,
    sources: read.map((source) => ({
      dir: source.dir,
      scenarios: source.runs.map((run) => run.scenario),
      ...(source.shard ? { shard: source.shard } : {}),
    })),
  };
}

interface ReadSource {
  dir: string;
  file: string;
  version: string;
  shard?: Shard;
  runs: ScenarioReport[];
}

function readSource({ dir, file, json }: ReportSource): ReadSource {
  const notReport = (why: string, field?: string) =>
    new WglabError(`${file} is not a wglab report: ${why}`, {
      location: { file, field },
      hint: `give directories written by wglab run FILES... --report DIR (in CI, each shard's report directory); ${rerun}`,
    });
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw notReport('not a JSON object');
  const object = json as Record<string, unknown>;
  const list = Array.isArray(object.scenarios);
  if (!list && typeof object.scenario !== 'string') throw notReport('it has neither "scenarios" nor "scenario"');
  const version = object.wglabVersion;
  if (version === undefined)
    throw new WglabError(
      `${file} has no wglabVersion: it was written by a wglab from before reports carried their version`,
      {
        location: { file, field: 'wglabVersion' },
        hint: `merge-reports joins only reports it knows to be of one wglab version; ${rerun}`,
      },
    );
  if (typeof version !== 'string' || version === '') throw notReport('wglabVersion is not a version', 'wglabVersion');
  let shard: Shard | undefined;
  if (object.shard !== undefined) {
    const parsed = shardSchema.safeParse(object.shard);
    if (!parsed.success) throw notReport(`shard is not { index, total } with 1 ≤ index ≤ total`, 'shard');
    shard = parsed.data;
  }
  // A single scenario's report is the scenario's object with the report's stamp (version, shard): not the scenario's.
  const { wglabVersion: _version, shard: _shard, ...single } = object;
  const items: unknown[] = list ? (object.scenarios as unknown[]) : [single];
  const runs = items.map((item, index) => {
    const parsed = scenarioSchema.safeParse(item);
    if (!parsed.success) {
      const problem = parsed.error.errors[0]!;
      const field = [...(list ? ['scenarios', index] : []), ...problem.path].join('.');
      throw notReport(`${field || 'the report'}: ${problem.message}`, field || undefined);
    }
    const run = parsed.data as unknown as ScenarioReport;
    // A scenario with a failing check failed, whatever its own pass says.
    return { ...run, pass: run.pass && run.checks.every((check) => check.pass) };
  });
  if (list && object.pass !== undefined) {
    if (typeof object.pass !== 'boolean') throw notReport('pass is not true or false', 'pass');
    // A failing scenario fails the merge whatever the list's pass says; a failing list without one is a
    // contradiction no verdict can be taken from.
    if (!object.pass && runs.every((run) => run.pass))
      throw new WglabError(
        `${file} says pass: false, but every scenario in it passed; the file was edited or damaged`,
        { location: { file, field: 'pass' }, hint: rerun },
      );
  }
  return { dir, file, version, ...(shard ? { shard } : {}), runs };
}

/** When every source is a shard: one split (one N), each of its shards given once, none missing. */
function checkShards(sources: readonly ReadSource[]): void {
  const shards = sources.map((source) => source.shard);
  if (!shards.every((shard): shard is Shard => shard !== undefined)) return;
  const totals = [...new Set(shards.map((shard) => shard.total))];
  if (totals.length > 1)
    throw new WglabError(
      `the reports are shards of different splits: ${sources.map((source) => `${source.file} is shard ${shardText(source.shard!)}`).join(', ')}`,
      {
        hint: 'merge the shards of one run: the same files with the same --shard I/N total on every machine',
      },
    );
  const total = totals[0]!;
  const byIndex = new Map<number, string>();
  for (const source of sources) {
    const earlier = byIndex.get(source.shard!.index);
    if (earlier !== undefined)
      throw new WglabError(`shard ${shardText(source.shard!)} is given twice: ${earlier} and ${source.file}`, {
        location: { file: source.file, field: 'shard' },
        hint: "give each shard's report directory once",
      });
    byIndex.set(source.shard!.index, source.file);
  }
  const missing = Array.from({ length: total }, (_, index) => index + 1).filter((index) => !byIndex.has(index));
  if (missing.length > 0)
    throw new WglabError(
      `shard${missing.length === 1 ? '' : 's'} ${missing.map((index) => `${index}/${total}`).join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing: the merged report would leave out ${missing.length === 1 ? 'its' : 'their'} scenarios`,
      {
        hint: `give the report directories of all ${total} shards (a shard that got no scenario writes one too); if a shard's job failed before writing it, run that shard again`,
      },
    );
}
