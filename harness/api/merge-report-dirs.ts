import { cpSync, existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { WglabError } from '../errors.ts';
import { mergeReports, type MergedReport, type ReportSource } from '../report/merge-reports.ts';
import { wglabVersion } from '../report/wglab-version.ts';
import { writeReport, type WrittenReport } from '../report/write-report.ts';

export interface MergeReportDirsOptions {
  /** The date the merged report.html shows (default: now). */
  generated?: Date;
}

export interface MergedReportDirs extends MergedReport {
  /** The merged report.html, junit.xml and report.json under `out`. */
  written: WrittenReport;
  /** Scenarios whose artifact folder `<dir>/<scenario>/` was not there to copy (their pcap links lead nowhere). */
  missingArtifacts: string[];
}

const give =
  "give the directories wglab run FILES... --shard I/N --report DIR wrote (in CI: each shard's downloaded artifact)";

/**
 * What `wglab merge-reports DIR... --out OUT` does: reads each DIR/report.json (a shard's `wglab run --report`),
 * joins them (mergeReports: one wglab version, every scenario once, every shard of the split), then writes
 * OUT/report.html, junit.xml and report.json exactly as one run of all the scenarios would, and copies each
 * scenario's artifacts (`DIR/<scenario>/`: pcaps, log lines, configs) to `OUT/<scenario>/`, so the HTML's links
 * work. Everything is read and checked before anything is written; bad input is a WglabError (exit 2).
 * A merged run that failed is `pass: false`, not a throw.
 */
export function mergeReportDirs(
  dirs: readonly string[],
  out: string,
  options: MergeReportDirsOptions = {},
): MergedReportDirs {
  if (dirs.length === 0) throw new WglabError('no report directory to merge', { hint: give });
  const target = resolve(out);
  const sources = dirs.map((dir): ReportSource => {
    if (resolve(dir) === target)
      throw new WglabError(`--out ${out} is one of the report directories to merge`, {
        hint: 'write the merged report to a directory of its own, e.g. --out report/',
      });
    return readReportDir(dir);
  });
  const merged = mergeReports(sources, wglabVersion);
  const missingArtifacts: string[] = [];
  for (const source of merged.sources) {
    for (const scenario of source.scenarios) {
      const from = join(source.dir, scenario);
      if (!existsSync(from)) {
        missingArtifacts.push(scenario);
        continue;
      }
      // Exactly what this shard kept: nothing left over from an earlier merge into the same directory.
      rmSync(join(out, scenario), { recursive: true, force: true });
      cpSync(from, join(out, scenario), { recursive: true });
    }
  }
  const written = writeReport(out, merged.runs, { generated: options.generated });
  return { ...merged, written, missingArtifacts };
}

function readReportDir(dir: string): ReportSource {
  const stat = statSync(dir, { throwIfNoEntry: false });
  if (!stat) throw new WglabError(`cannot read report directory ${dir}: there is no such directory`, { hint: give });
  if (!stat.isDirectory())
    throw new WglabError(`${dir} is not a directory`, {
      hint: `${give}; merge-reports reads DIR/report.json and the artifacts beside it`,
    });
  const file = join(dir, 'report.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new WglabError(
      code === 'ENOENT' ? `${dir} has no report.json` : `cannot read ${file}: ${code ?? String(error)}`,
      {
        hint: `${give}; a shard that stopped before writing its report must run again`,
      },
    );
  }
  try {
    return { dir, file, json: JSON.parse(text) as unknown };
  } catch (error) {
    throw new WglabError(`${file} is not JSON: ${(error as Error).message}`, {
      hint: 'the file was cut short or edited; run that shard again (wglab run FILES... --shard I/N --report DIR)',
    });
  }
}
