import type { Command } from 'commander';
import { mergeReportDirs } from '../api/merge-report-dirs.ts';
import { stderrProgress } from '../api/progress.ts';
import { shardText } from '../api/shard.ts';

export function registerMergeReports(program: Command, setExit: (code: number) => void): void {
  program
    .command('merge-reports')
    .description(
      'join the reports of wglab run --shard I/N (one --report directory per machine) into one report.html, junit.xml and report.json',
    )
    .argument('<dirs...>', 'report directories written by wglab run ... --report DIR, one per shard')
    .requiredOption(
      '--out <dir>',
      "where to write the merged report; each scenario's artifacts are copied to <dir>/<scenario>/",
    )
    .addHelpText(
      'after',
      `
Every scenario appears once; the reports must come from the same wglab version as this one, and, when they are
shards, from one split with none missing (a shard that got no scenario writes an empty report to give here).
Exit codes: 0 every check of every shard passed, 1 a check failed, 2 a directory or its report.json cannot be
read, or the reports cannot be joined (versions differ, a scenario twice, a shard missing).
Examples:
  wglab run scenarios/*.yaml --shard 1/2 --report shard-1/     # on one machine
  wglab run scenarios/*.yaml --shard 2/2 --report shard-2/     # on another
  wglab merge-reports shard-1/ shard-2/ --out report/          # then open report/report.html
See docs/ci.md for a GitHub Actions matrix that does this.`,
    )
    .action((dirs: string[], options: { out: string }) => {
      const merged = mergeReportDirs(dirs, options.out);
      for (const source of merged.sources)
        stderrProgress(
          `${source.dir}${source.shard ? ` (shard ${shardText(source.shard)})` : ''}: ${source.scenarios.length === 0 ? 'no scenario' : source.scenarios.join(', ')}`,
        );
      if (merged.missingArtifacts.length > 0)
        stderrProgress(
          `no artifacts to copy for ${merged.missingArtifacts.join(', ')}: their pcap links in the report lead nowhere`,
        );
      const checks = merged.runs.flatMap((run) => run.checks);
      const failed = checks.filter((check) => !check.pass).length;
      const failing = merged.runs.filter((run) => !run.pass).map((run) => run.scenario);
      process.stdout.write(
        `merged ${dirs.length} report${dirs.length === 1 ? '' : 's'}: ${merged.runs.length} scenarios, ${checks.length - failed} checks passed, ${failed} failed${failing.length > 0 ? ` (failing: ${failing.join(', ')})` : ''}\n`,
      );
      process.stdout.write(`report: ${merged.written.html} (JUnit: ${merged.written.junit})\n`);
      setExit(merged.pass ? 0 : 1);
    });
}
