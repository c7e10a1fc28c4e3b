import type { CheckReport, ScenarioReport } from '../report/report-model.ts';
import { pathText } from './check-text.ts';
import { escapeHtml as e } from './escape.ts';
import { topologyCss, topologySvg } from './topology-svg.ts';
import { splitConfigKey } from '../wgconf/scenario-configs.ts';

const configNode = (key: string) => splitConfigKey(key).endpoint;
const configIface = (key: string) => splitConfigKey(key).iface;

export interface HtmlReportInput {
  runs: ScenarioReport[];
  generated: Date;
  /** Whether each scenario's pcaps sit under `<scenario name>/` beside report.html (so links work). */
  linkPcaps: boolean;
}

/**
 * The report as one self-contained HTML file: inline styles and SVG pictures, no script, no fetch. For each
 * scenario the topology, then each check with its path drawn on it, expected against observed, the reasons
 * when it failed, the access-log line, what each capture point saw (with a link to its pcap), and the configs
 * with private keys redacted.
 */
export function htmlReport(input: HtmlReportInput): string {
  const checks = input.runs.flatMap((run) => run.checks);
  const failed = checks.filter((check) => !check.pass).length;
  const pass = failed === 0 && input.runs.every((run) => run.pass);
  const flavours = [...new Set(input.runs.map((run) => run.wireguard))].join(', ');
  const title = input.runs.length === 1 ? `wglab: ${input.runs[0]!.scenario}` : `wglab: ${input.runs.length} scenarios`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(title)} — ${pass ? 'PASS' : 'FAIL'}</title>
<style>${css}${topologyCss}</style>
</head>
<body>
<header class="${pass ? 'pass' : 'fail'}">
<h1>${e(title)}</h1>
<p class="summary" data-testid="summary"><span class="badge ${pass ? 'pass' : 'fail'}">${pass ? 'PASS' : 'FAIL'}</span>
${checks.length - failed} of ${checks.length} checks passed${failed > 0 ? `, <strong>${failed} failed</strong>` : ''} in ${input.runs.length} scenario${input.runs.length === 1 ? '' : 's'} · WireGuard: ${e(flavours)} · ${e(input.generated.toISOString())}</p>
</header>
<main>
${input.runs.length > 1 ? `<nav><h2>Scenarios</h2><ol>${input.runs.map((run) => `<li><a href="#${anchor(run.scenario)}">${e(run.scenario)}</a> ${badge(run.pass)} <span class="muted">${run.checks.length} checks</span></li>`).join('')}</ol></nav>` : ''}
${input.runs.map((run) => scenarioSection(run, input.linkPcaps)).join('\n')}
</main>
<footer>Paths are decided from evidence: the access-log line of each tagged request and packet captures at the router (what the internet sees) and on each wg0. Open the pcaps in Wireshark or <code>tcpdump -r</code>.</footer>
</body>
</html>
`;
}

function scenarioSection(run: ScenarioReport, linkPcaps: boolean): string {
  return `<section class="scenario" id="${anchor(run.scenario)}" data-scenario="${e(run.scenario)}">
<h2>${e(run.scenario)} ${badge(run.pass)}</h2>
${run.description ? `<p class="description">${e(run.description)}</p>` : ''}
<p class="muted">Lab ${e(run.lab)} · WireGuard ${e(run.wireguard)} · engine ${e(run.engine)}</p>
${topologySvg(run.topology, undefined, `${run.scenario}: topology`)}
<table class="checks">
<thead><tr><th>#</th><th>Request</th><th>Fault</th><th>Expected</th><th>Observed</th><th>Result</th></tr></thead>
<tbody>
${run.checks.map((check, index) => `<tr class="${check.pass ? 'pass' : 'fail'}"><td><a href="#${anchor(run.scenario)}-${index + 1}">${index + 1}</a></td><td>${e(check.from)} → ${e(check.target ?? check.url ?? '')}</td><td>${e(check.fault ?? '—')}</td><td>${e(pathText(check.expected))}</td><td>${e(pathText(check.observed))}</td><td>${badge(check.pass)}</td></tr>`).join('\n')}
</tbody>
</table>
${run.checks.map((check, index) => checkSection(run, check, index, linkPcaps)).join('\n')}
${lintSection(run)}
<details class="configs"><summary>WireGuard configs (private keys redacted)</summary>
${
  Object.keys(run.configs).length === 0
    ? '<p>No WireGuard in this scenario.</p>'
    : Object.entries(run.configs)
        .map(
          ([node, text]) =>
            `<h4>${e(configNode(node))}: /etc/wireguard/${e(configIface(node))}.conf</h4><pre>${e(text)}</pre>`,
        )
        .join('\n')
}
</details>
</section>`;
}

function checkSection(run: ScenarioReport, check: CheckReport, index: number, linkPcaps: boolean): string {
  const id = `${anchor(run.scenario)}-${index + 1}`;
  return `<article class="check ${check.pass ? 'pass' : 'fail'}" id="${id}" data-check="${index + 1}">
<h3>${index + 1}. ${e(check.from)} → ${e(check.target ?? check.url ?? '')}${check.fault ? ` <span class="fault">fault: ${e(check.fault)}${check.faultNode ? ` on ${e(check.faultNode)}` : ''}</span>` : ''}${check.bytes === undefined ? '' : ` <span class="transfer">${check.bytes} bytes</span>`}${check.idle === undefined ? '' : ` <span class="idle">after ${check.idle} s idle</span>`} ${badge(check.pass)}</h3>
<div class="check-body">
${topologySvg(run.topology, { check }, `check ${index + 1}: ${check.observed.path}`)}
<div class="facts">
<table class="verdict">
<tr><th></th><th>path</th><th>server saw</th>${check.bytes === undefined ? '' : '<th>transfer</th>'}</tr>
<tr><th>expected</th><td>${e(check.expected.path)}</td><td>${e(check.expected.sourceIp ?? (check.expected.path === 'none' ? 'no request' : 'any'))}</td>${check.bytes === undefined ? '' : `<td>${check.expected.stalls ? 'stalls' : `all ${check.bytes} bytes`}</td>`}</tr>
<tr class="${check.pass ? 'pass' : 'fail'}"><th>observed</th><td>${e(check.observed.path)}</td><td>${e(check.observed.sourceIp ?? 'no request')}${check.observed.httpStatus ? ` (HTTP ${check.observed.httpStatus})` : ''}</td>${check.bytes === undefined ? '' : `<td>${check.observed.stalls ? `stalled after ${check.observed.bytes ?? 0} bytes` : `${check.observed.bytes ?? 0} bytes`}</td>`}</tr>
</table>
${check.predicted ? `<p class="predicted">the routing model predicted ${e(check.predicted.path)}${check.predicted.sourceIp ? ` as ${e(check.predicted.sourceIp)}` : ''}${check.predicted.stalls ? ', stalling' : ''} from the configs alone${check.modelDisagrees ? ` <strong class="model-disagrees">(the lab disagrees: wglab explain shows the model's chain)</strong>` : ''}</p>` : ''}
${check.reasons.length > 0 ? `<div class="reasons"><strong>Why it failed</strong><ul>${check.reasons.map((reason) => `<li>${e(reason)}</li>`).join('')}</ul></div>` : ''}
${check.note ? `<p class="note">${e(check.note)}</p>` : ''}
<h4>Access log</h4>
${check.logLine ? `<pre class="log">${e(check.logLine)}</pre>` : '<p class="muted">nginx logged no line for this request</p>'}
<h4>Packets</h4>
<ul class="captures">${check.captures.map((capture) => `<li><strong>${e(capture.label)}</strong> <span class="muted">(${capture.iface === 'any' ? `every interface of ${e(capture.node)}` : `${e(capture.iface)} on ${e(capture.node)}`})</span>: ${capture.absent ? e(`not captured: ${capture.absent}`) : `${capture.packets} packets${capture.flows.length > 0 ? `<ul>${capture.flows.map((flow) => `<li>${e(flow)}</li>`).join('')}</ul>` : ''}`}${linkPcaps && capture.pcap ? ` <a class="pcap" href="${e(`${encodeURIComponent(run.scenario)}/${capture.pcap}`)}">pcap</a>` : ''}</li>`).join('')}</ul>
<ul class="seen">${check.seen.map((line) => `<li>${e(line)}</li>`).join('')}</ul>
</div>
</div>
</article>`;
}

const badge = (pass: boolean) => `<span class="badge ${pass ? 'pass' : 'fail'}">${pass ? 'PASS' : 'FAIL'}</span>`;
const anchor = (name: string) => `s-${name.replace(/[^A-Za-z0-9_-]/g, '_')}`;

const css = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2733; background: #f4f6f9; }
header { padding: 18px 28px; color: #fff; background: #1a7a43; }
header.fail { background: #b3261e; }
header h1 { margin: 0 0 4px; font-size: 22px; }
header .summary { margin: 0; }
main { padding: 12px 28px 28px; max-width: 1280px; }
nav ol { columns: 2; }
section.scenario { background: #fff; border: 1px solid #d8dee6; border-radius: 10px; padding: 16px 20px; margin: 18px 0; }
section.scenario > h2 { margin-top: 0; }
.muted { color: #5d6b7c; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 700; color: #fff; vertical-align: middle; }
.badge.pass { background: #1a9b4b; }
.badge.fail { background: #d0312d; }
header .badge { background: rgba(255,255,255,0.25); }
table { border-collapse: collapse; }
table.checks { width: 100%; margin: 12px 0; }
table.checks th, table.checks td { text-align: left; padding: 5px 8px; border-bottom: 1px solid #e3e8ee; }
table.checks tr.fail td { background: #fdecea; }
article.check { border-top: 1px solid #e3e8ee; padding-top: 10px; margin-top: 14px; }
article.check.fail { border-left: 5px solid #d0312d; padding-left: 12px; }
article.check h3 { font-size: 16px; margin: 6px 0; }
.fault { font-size: 12px; font-weight: 600; color: #8a4b00; background: #fff2dd; padding: 1px 6px; border-radius: 6px; }
.check-body { display: grid; grid-template-columns: minmax(300px, 480px) minmax(0, 1fr); gap: 18px; align-items: start; }
.check-body svg.topology { max-width: 480px; width: 100%; }
.facts { min-width: 0; }
pre.log { white-space: pre-wrap; word-break: break-all; }
table.verdict th, table.verdict td { padding: 3px 10px 3px 0; text-align: left; }
table.verdict tr.fail td { color: #b3261e; font-weight: 700; }
table.verdict tr.pass td { color: #1a7a43; font-weight: 600; }
.reasons { background: #fdecea; border: 1px solid #f3b8b3; border-radius: 6px; padding: 8px 12px; margin: 8px 0; }
.reasons ul { margin: 4px 0 0; padding-left: 18px; }
.note { font-style: italic; color: #4b5868; }
pre { background: #f6f8fb; border: 1px solid #e3e8ee; border-radius: 6px; padding: 8px 10px; overflow-x: auto; font: 12px/1.4 ui-monospace, "DejaVu Sans Mono", monospace; }
h4 { margin: 10px 0 4px; font-size: 13px; }
ul.captures, ul.seen { margin: 4px 0; padding-left: 18px; }
ul.seen { color: #5d6b7c; font-size: 12px; }
a.pcap { font-size: 12px; }
details.configs { margin-top: 14px; }
footer { padding: 0 28px 24px; color: #5d6b7c; font-size: 12px; }
@media (max-width: 900px) { .check-body { grid-template-columns: 1fr; } }
`;

/** Lint's findings on the configs the lab ran, kept beside what the packets showed. */
function lintSection(run: ScenarioReport): string {
  const findings = run.lint ?? [];
  if (findings.length === 0) return '<p class="lint">Lint: no findings on these configs.</p>';
  return `<details class="lint" open><summary>Lint: ${findings.length} finding${findings.length === 1 ? '' : 's'} on these configs (the lab ran them as they are)</summary>
<ul>${findings.map((finding) => `<li class="${e(finding.severity)}"><code>${e(finding.file)}${finding.line === undefined ? '' : `:${finding.line}`}</code> ${e(finding.severity)} [${e(finding.rule)}] ${e(finding.message)}<br><small>hint: ${e(finding.hint)}</small></li>`).join('\n')}</ul>
</details>`;
}
