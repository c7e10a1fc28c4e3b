import test from 'ava';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create } from 'xmlbuilder2';
import type { CheckReport, ScenarioReport } from '../report/report-model.ts';
import { verdictLine } from './check-text.ts';
import { configChanges } from './config-changes.ts';
import { describeCheck } from './describe-check.ts';
import { htmlReport } from './html-report.ts';
import { junitReport } from './junit-report.ts';
import { topologySvg } from './topology-svg.ts';
import { writeReport } from './write-report.ts';

// Reports as runScenario makes them, cut down to what the renderers read. The lab tests render real ones.
function check(overrides: Partial<CheckReport> = {}): CheckReport {
  return {
    from: 'A',
    to: 'B',
    kind: 'http',
    target: 'https://app.example.com/',
    url: 'https://app.example.com/',
    fault: null,
    expected: { sourceIp: '10.0.0.1', path: 'tunnel' },
    observed: { sourceIp: '10.0.0.1', path: 'tunnel', httpStatus: 200 },
    pass: true,
    reasons: [],
    seen: ['internet (router any): 4 WireGuard packets, no TCP'],
    captures: [
      {
        label: 'internet',
        node: 'router',
        iface: 'any',
        packets: 4,
        flows: ['udp 198.51.100.1:51821 <-> 203.0.113.2:51822 (4 packets)'],
        pcap: '01-A/internet.pcap',
      },
      {
        label: 'B-wg0',
        node: 'B',
        iface: 'wg0',
        packets: 10,
        flows: ['tcp 10.0.0.1:40000 <-> 203.0.113.2:443 (10 packets)'],
        pcap: '01-A/B-wg0.pcap',
      },
    ],
    logLine: '10.0.0.1 - - [25/Nov/2026:11:00:00 +0000] "GET /?wglab=1 HTTP/1.1" 200 12 "-" "curl/7.88.1"',
    seconds: 0.4,
    ...overrides,
  };
}

function scenario(name: string, checks: CheckReport[]): ScenarioReport {
  return {
    scenario: name,
    description: 'A reaches B through the tunnel.',
    topology: {
      endpoints: [
        { name: 'A', publicIp: '198.51.100.1', wgIp: '10.0.0.1', listenPort: 51821, serves: null, transparent: true },
        {
          name: 'B',
          publicIp: '203.0.113.2',
          wgIp: '10.0.0.2',
          listenPort: 51822,
          serves: 'app.example.com',
          transparent: false,
        },
        { name: 'C', publicIp: '192.0.2.3', wgIp: null, listenPort: null, serves: null, transparent: false },
      ],
      tunnel: ['A', 'B'],
    },
    engine: 'unix:///var/run/docker.sock',
    wireguard: 'userspace (wireguard-go)' as ScenarioReport['wireguard'],
    lab: 'wglab-test-1',
    checks,
    pass: checks.every((one) => one.pass),
    timings: { total: 3.5 },
    configs: {
      A: '[Interface]\nPrivateKey = (redacted)\nAddress = 10.0.0.1/32\n',
      B: '[Interface]\nPrivateKey = (redacted)\n',
    },
    lint: [
      {
        file: 'A/wg0.conf',
        line: 3,
        rule: 'endpoint-in-allowedips',
        severity: 'error',
        message: 'Endpoint <inside> AllowedIPs',
        hint: 'set Table',
      },
    ],
  };
}

const failing = check({
  fault: 'tunnel-down',
  expected: { sourceIp: '198.51.100.1', path: 'internet' },
  observed: { sourceIp: null, path: 'none', httpStatus: null },
  pass: false,
  reasons: ['expected the internet path, but no packet of the request left A', 'nginx logged no line for this request'],
  logLine: null,
});

const count = (text: string, pattern: RegExp) => text.match(pattern)?.length ?? 0;

test('the HTML report is one file that fetches nothing: no script, no stylesheet link, no remote src or href', (t) => {
  const html = htmlReport({
    runs: [scenario('one', [check(), failing]), scenario('two', [check()])],
    generated: new Date(0),
    linkPcaps: true,
  });
  t.is(count(html, /<script/gi), 0);
  t.is(count(html, /<link/gi), 0);
  t.is(count(html, /<img/gi), 0);
  t.is(count(html, /@import|url\(\s*['"]?https?:/gi), 0);
  t.is(count(html, /\s(?:src|href)\s*=\s*["']?(?:https?:)?\/\//gi), 0);
  t.regex(html, /<style>/);
});

test('the HTML report has a section per scenario, an article per check, and the summary counts', (t) => {
  const html = htmlReport({
    runs: [scenario('one', [check(), failing]), scenario('two', [check()])],
    generated: new Date(0),
    linkPcaps: true,
  });
  t.is(count(html, /<section class="scenario"/g), 2);
  t.is(count(html, /<article class="check /g), 3);
  t.is(count(html, /<svg class="topology"/g), 2 + 3);
  t.regex(
    html,
    /data-testid="summary"><span class="badge fail">FAIL<\/span>\s*2 of 3 checks passed, <strong>1 failed<\/strong> in 2 scenarios/,
  );
  t.regex(html, /<title>wglab: 2 scenarios — FAIL<\/title>/);
});

test('a passing report says PASS', (t) => {
  const html = htmlReport({ runs: [scenario('one', [check()])], generated: new Date(0), linkPcaps: false });
  t.regex(html, /data-testid="summary"><span class="badge pass">PASS<\/span>\s*1 of 1 checks passed in 1 scenario /);
  t.is(count(html, /<nav>/g), 0, 'one scenario needs no table of contents');
});

test('a failing check shows expected against observed, its reasons, and a cross where the request stopped', (t) => {
  const html = htmlReport({ runs: [scenario('one', [failing])], generated: new Date(0), linkPcaps: true });
  const article = html.slice(html.indexOf('<article'), html.indexOf('</article>'));
  t.regex(article, /<tr><th>expected<\/th><td>internet<\/td><td>198\.51\.100\.1<\/td><\/tr>/);
  t.regex(article, /<tr class="fail"><th>observed<\/th><td>none<\/td><td>no request<\/td><\/tr>/);
  t.regex(
    article,
    /Why it failed<\/strong><ul><li>expected the internet path, but no packet of the request left A<\/li><li>nginx logged no line/,
  );
  t.regex(article, /<g class="path path-none">/);
  t.regex(article, /<polyline class="expected-path"/, 'the expected internet path is drawn dotted');
  t.regex(article, /nginx logged no line for this request/);
  t.regex(article, /fault: tunnel-down/);
});

test('each check links the pcap of each capture point, relative to the report', (t) => {
  const html = htmlReport({ runs: [scenario('07 snat on a', [check()])], generated: new Date(0), linkPcaps: true });
  t.regex(html, /<a class="pcap" href="07%20snat%20on%20a\/01-A\/internet\.pcap">pcap<\/a>/);
  t.regex(html, /<a class="pcap" href="07%20snat%20on%20a\/01-A\/B-wg0\.pcap">pcap<\/a>/);
  const unlinked = htmlReport({ runs: [scenario('x', [check()])], generated: new Date(0), linkPcaps: false });
  t.is(count(unlinked, /class="pcap"/g), 0);
});

test('everything from the lab is escaped: log lines, names, reasons, configs', (t) => {
  const hostile = check({
    logLine: '1.2.3.4 - - "GET /<script>alert(1)</script> HTTP/1.1" 404',
    reasons: ['saw <b>bold</b> & more'],
    pass: false,
  });
  const run = scenario('<img src=x>', [hostile]);
  run.configs = { A: '# <script>x</script>\n' };
  const html = htmlReport({ runs: [run], generated: new Date(0), linkPcaps: true });
  t.is(count(html, /<script/gi), 0);
  t.is(count(html, /<img/gi), 0);
  t.is(count(html, /<b>bold/g), 0);
  t.regex(html, /GET \/&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  t.regex(html, /saw &lt;b&gt;bold&lt;\/b&gt; &amp; more/);
});

test('the topology picture draws the tunnel between its ends and each endpoint with its address', (t) => {
  const svg = topologySvg(scenario('x', []).topology);
  t.is(count(svg, /<g class="node[^"]*" data-node=/g), 3);
  t.is(count(svg, /<path class="tunnel"/g), 1);
  t.regex(svg, /A · 198\.51\.100\.1/);
  t.regex(svg, /UDP 51821 ⇄ 51822/);
  const internet = topologySvg(scenario('x', []).topology, {
    check: check({
      from: 'C',
      expected: { sourceIp: null, path: 'internet' },
      observed: { sourceIp: '192.0.2.3', path: 'internet', httpStatus: 200 },
    }),
  });
  t.regex(internet, /<polyline class="path path-internet"/);
  t.is(count(internet, /expected-path/g), 0, 'no expected path drawn when it is the one observed');
  const both = topologySvg(scenario('x', []).topology, {
    check: check({ observed: { sourceIp: '10.0.0.1', path: 'both', httpStatus: 200 } }),
  });
  t.is(count(both, /class="path path-both"/g), 2);
  const tunnel = topologySvg(scenario('x', []).topology, { check: check() });
  t.regex(tunnel, /<path class="path path-tunnel" d="M /);
});

test('JUnit XML: a testsuite per scenario, a testcase per check, a failure carrying the reasons', (t) => {
  const xml = junitReport([scenario('one', [check(), failing]), scenario('two', [check()])]);
  const doc = create(xml).end({ format: 'object' }) as any;
  const suites = doc.testsuites;
  t.is(suites['@tests'], '3');
  t.is(suites['@failures'], '1');
  const suiteList = [suites.testsuite].flat();
  t.deepEqual(
    suiteList.map((suite: any) => [suite['@name'], suite['@tests'], suite['@failures']]),
    [
      ['one', '2', '1'],
      ['two', '1', '0'],
    ],
  );
  const cases = suiteList.flatMap((suite: any) => [suite.testcase].flat());
  t.is(cases.length, 3);
  const failed = cases.filter((one: any) => one.failure);
  t.is(failed.length, 1);
  t.is(
    failed[0].failure['@message'],
    'expected the internet path, but no packet of the request left A; nginx logged no line for this request',
  );
  t.regex(
    failed[0]['@name'],
    /^2\. A https:\/\/app\.example\.com\/ \[tunnel-down\]: expect internet as 198\.51\.100\.1$/,
  );
  t.regex(failed[0].failure['#'], /observed none/);
});

test('JUnit XML escapes what the lab printed, and stays well formed', (t) => {
  const xml = junitReport([
    scenario('a & b', [check({ pass: false, reasons: ['<oops> & "quotes"'], logLine: '"GET /<x> HTTP/1.1"' })]),
  ]);
  t.notThrows(() => create(xml));
  t.regex(xml, /<testsuite name="a &amp; b"/);
  t.regex(xml, /message="&lt;oops&gt; &amp; &quot;quotes&quot;"/);
  t.regex(xml, /access log: "GET \/&lt;x&gt; HTTP\/1\.1"/);
  t.false(xml.includes('<oops>'));
  t.false(xml.includes('<x>'));
});

test('configChanges: a new config in full, an unchanged one named, a changed one as a unified diff', (t) => {
  const first = configChanges(new Map(), new Map([['A', '[Interface]\nAddress = 10.0.0.1/32\n']]));
  t.deepEqual(first, [
    '--- A/wg0.conf\t(none)',
    '+++ A/wg0.conf\tthis step',
    '@@ -0,0 +1,2 @@',
    '+[Interface]',
    '+Address = 10.0.0.1/32',
  ]);
  const before = new Map([
    ['A', '[Interface]\nAddress = 10.0.0.1/32\nListenPort = 51821\n'],
    ['B', '[Interface]\n'],
  ]);
  const after = new Map([
    ['A', '[Interface]\nAddress = 10.0.0.1/32\nTable = 123\nListenPort = 51821\n'],
    ['B', '[Interface]\n'],
  ]);
  const lines = configChanges(before, after);
  t.true(lines.includes('+Table = 123'));
  t.true(lines.includes('B/wg0.conf: unchanged'));
  t.false(
    lines.some((line) => line.startsWith('-') && !line.startsWith('---')),
    'nothing removed',
  );
  const removed = configChanges(before, new Map([['B', '[Interface]\n']]));
  t.true(removed.includes('+++ A/wg0.conf\t(removed)'));
  t.deepEqual(configChanges(new Map(), new Map()), ['configs: no WireGuard in this step']);
});

test('describeCheck tells the request, the log line, the packets and the verdict', (t) => {
  t.deepEqual(describeCheck(check(), 1), [
    '',
    '1. A $ curl https://app.example.com/',
    '   log: 10.0.0.1 - - [25/Nov/2026:11:00:00 +0000] "GET /?wglab=1 HTTP/1.1" 200 12 "-" "curl/7.88.1"',
    '   packets at internet (router any): 4 WireGuard packets, no TCP',
    '   PASS: expected tunnel as 10.0.0.1, observed tunnel as 10.0.0.1 (HTTP 200)',
  ]);
  const lines = describeCheck(failing, 2, 'wg-quick down wg0 on A');
  t.is(lines[1], '2. A $ curl https://app.example.com/   (fault: wg-quick down wg0 on A)');
  t.is(lines[2], '   log: (no line: the request never reached nginx)');
  t.true(lines.includes('   FAIL: expected internet as 198.51.100.1, observed none'));
  t.true(lines.includes('   why: nginx logged no line for this request'));
});

test('writeReport writes report.html, junit.xml and report.json (one scenario as itself, several with pass)', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wglab-report-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const one = writeReport(dir, [scenario('one', [check()])]);
  t.is(JSON.parse(readFileSync(one.json, 'utf8')).scenario, 'one');
  t.regex(readFileSync(one.html, 'utf8'), /^<!doctype html>/);
  t.regex(readFileSync(one.junit, 'utf8'), /<testsuites /);
  const many = writeReport(dir, [scenario('one', [check()]), scenario('two', [failing])]);
  const json = JSON.parse(readFileSync(many.json, 'utf8'));
  t.is(json.scenarios.length, 2);
  t.false(json.pass);
});

test('the picture of a lab without a tunnel leaves out the empty band where the tunnel would be', (t) => {
  const topology = scenario('x', []).topology;
  t.regex(topologySvg(topology), /viewBox="0 0 720 300"/);
  t.regex(topologySvg({ ...topology, tunnel: [] }), /viewBox="0 70 720 230"/);
});

test("verdictLine: wglab run's line per check, with why and what was seen under a failure", (t) => {
  t.is(
    verdictLine(check(), 0),
    'PASS 1 A https://app.example.com/: expected tunnel as 10.0.0.1, observed tunnel as 10.0.0.1 (HTTP 200)',
  );
  t.is(
    verdictLine(failing, 3),
    [
      'FAIL 4 A https://app.example.com/ [tunnel-down]: expected internet as 198.51.100.1, observed none',
      '     why: expected the internet path, but no packet of the request left A',
      '     why: nginx logged no line for this request',
      '     seen at internet (router any): 4 WireGuard packets, no TCP',
    ].join('\n'),
  );
});

test("the report keeps lint's findings on the configs, escaped", (t) => {
  const html = htmlReport({ runs: [scenario('lint-shown', [check()])], generated: new Date(0), linkPcaps: false });
  t.regex(html, /Lint: 1 finding on these configs \(the lab ran them as they are\)/);
  t.regex(html, /<code>A\/wg0\.conf:3<\/code> error \[endpoint-in-allowedips\] Endpoint &lt;inside&gt; AllowedIPs/);
  t.regex(
    htmlReport({ runs: [{ ...scenario('no-lint', [check()]), lint: [] }], generated: new Date(0), linkPcaps: false }),
    /Lint: no findings on these configs\./,
  );
});

test('conditions in the picture: link MTU, delay and loss on the link, what the internet drops under the router', (t) => {
  const run = scenario('conditions', [check()]);
  run.topology.endpoints[0]!.link = { mtu: 1492, delay: '20ms', jitter: '5ms', loss: '1%' };
  run.topology.internet = { icmp: 'drop', fragments: 'pass' };
  const svg = topologySvg(run.topology);
  t.regex(svg, /<text class="link-label"[^>]*>MTU 1492 · delay 20ms±5ms · loss 1%<\/text>/);
  t.regex(svg, /<text class="router-drops"[^>]*>drops ICMP errors<\/text>/);
  run.topology.internet = { icmp: 'drop', fragments: 'drop' };
  t.regex(topologySvg(run.topology), />drops ICMP errors and fragments</);
  run.topology.internet = { icmp: 'pass', fragments: 'pass' };
  run.topology.endpoints[0]!.link = { mtu: 1280 };
  const plain = topologySvg(run.topology);
  t.notRegex(plain, /router-drops/);
  t.regex(plain, />MTU 1280</);
  t.notRegex(topologySvg(scenario('plain', [check()]).topology), /link-label|router-drops/);
});

test('a NAT is a node of its own in the picture, on its endpoint’s link, with the public address, timeout and forwards', (t) => {
  const run = scenario('nat', [check()]);
  const endpoint = run.topology.endpoints[0]!;
  endpoint.nat = { address: '192.168.1.2', udpTimeout: 8, forward: [51820] };
  endpoint.link = { mtu: 1492 };
  const svg = topologySvg(run.topology);
  t.regex(
    svg,
    new RegExp(
      `<g class="nat" data-node="${endpoint.name}-nat">[\\s\\S]*?>NAT ${endpoint.publicIp.replace(/\./g, '\\.')}</text>[\\s\\S]*?>UDP 8 s · fwd 51820</text>`,
    ),
  );
  t.regex(svg, /[ >]inside 192\.168\.1\.2</, 'the endpoint holds its inside address');
  t.regex(svg, />MTU 1492</);
  t.notRegex(topologySvg(scenario('plain', [check()]).topology), /class="nat"/);
});

test('a transfer in the report: bytes asked, expected to stall or not, what arrived, in words and in HTML', (t) => {
  const stalled = check({
    bytes: 2_000_000,
    expected: { sourceIp: null, path: 'tunnel', stalls: true },
    observed: { sourceIp: null, path: 'tunnel', httpStatus: null, stalls: true, bytes: 0 },
  });
  t.is(
    verdictLine(stalled, 1),
    'PASS 2 A https://app.example.com/: expected tunnel, stalling, observed tunnel, stalled after 0 bytes',
  );
  const done = check({
    bytes: 2_000_000,
    idle: 8,
    expected: { sourceIp: null, path: 'tunnel', stalls: false },
    observed: { sourceIp: '10.0.0.1', path: 'tunnel', httpStatus: 200, stalls: false, bytes: 2_000_000 },
  });
  t.regex(
    verdictLine(done, 0),
    /expected tunnel, completing, observed tunnel as 10\.0\.0\.1, 2000000 bytes \(HTTP 200\)$/,
  );
  const html = htmlReport({ runs: [scenario('transfer', [stalled, done])], generated: new Date(0), linkPcaps: false });
  t.regex(html, /<span class="transfer">2000000 bytes<\/span>/);
  t.regex(html, /<span class="idle">after 8 s idle<\/span>/);
  t.regex(html, /<td>stalls<\/td>/);
  t.regex(html, /<td>stalled after 0 bytes<\/td>/);
  t.regex(html, /<td>all 2000000 bytes<\/td>/);
  t.notRegex(
    htmlReport({ runs: [scenario('plain', [check()])], generated: new Date(0), linkPcaps: false }),
    /<th>transfer<\/th>/,
  );
});

test("JUnit XML: the model's prediction beside the observation, its disagreement, and a kind's server log", (t) => {
  const xml = junitReport([
    scenario('m', [
      check({
        predicted: { path: 'internet', sourceIp: '198.51.100.1' },
        modelDisagrees: 'the model predicted internet as 198.51.100.1, the lab saw tunnel as 10.0.0.1',
      }),
      check({ kind: 'dns', target: 'dns app.example.com', url: undefined, logLine: '1 10.0.0.1/20010 query[A]' }),
    ]),
  ]);
  t.regex(xml, /predicted internet as 198\.51\.100\.1/);
  t.regex(xml, /model: the model predicted internet as 198\.51\.100\.1, the lab saw tunnel as 10\.0\.0\.1/);
  t.regex(xml, /name="2\. A dns app\.example\.com: expect/);
  t.regex(xml, /server log: 1 10\.0\.0\.1\/20010 query\[A\]/);
});
