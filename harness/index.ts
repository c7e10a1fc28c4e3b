/**
 * wglab as a library: what a user's test may import from 'wglab', and nothing else.
 * The CLI uses the same functions.
 */
export { WglabError, WglabErrors, type SourceLocation } from './errors.ts';
export { loadScenario, parseScenario } from './wgconf/load-scenario.ts';
export type { Scenario, Endpoint, Tunnel, Check, Expectation, Fault, CheckPath } from './scenario/scenario.ts';
export { lint, type LintOptions } from './wgconf/lint/lint.ts';
export type { Finding } from './wgconf/lint/finding.ts';
export { generate } from './api/generate.ts';
export { explain, type ExplainResult, type ExplainedCheck } from './api/explain.ts';
export type { Prediction, PredictedPath } from './explain/predict-checks.ts';
export { runScenario, type RunScenarioOptions } from './api/run-scenario.ts';
export type { ScenarioReport, CheckReport, CaptureReport, TopologyReport } from './report/report-model.ts';
export { startLab, WglabLab, type CheckRequest, type CheckOutcome, type ActiveFault } from './api/wglab-lab.ts';
export type { ExecResult, ExecOptions } from './lab/lab.ts';
export type { Evidence, RequestResult } from './verify/verdict.ts';
export type { WireguardFlavour } from './lab/wireguard-flavour.ts';
export type { Progress } from './lab/progress.ts';
export { recordExpectations, type RecordedChange } from './scenario/record-expectations.ts';
export { diffReports, type CheckChange } from './report/diff-reports.ts';
export { shardScenarios, scenariosOfShard, parseShard, type Shard } from './api/shard.ts';
export { mergeReportDirs, type MergeReportDirsOptions, type MergedReportDirs } from './api/merge-report-dirs.ts';
export { mergeReports, type MergedReport, type ReportSource } from './report/merge-reports.ts';
