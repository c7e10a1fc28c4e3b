import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { LineCounter, parseDocument, type Document } from 'yaml';
import type { ZodIssue } from 'zod';
import { WglabError, WglabErrors } from '../errors.ts';
import { lineOfPath } from './locate-yaml.ts';
import { scenarioSchema, type Endpoint, type Scenario } from './scenario.ts';
import { validateScenario, type ScenarioProblem } from './validate-scenario.ts';

/** What validating a scenario needs from the files it names: the addresses a `configs:` file gives its interface. */
export interface ScenarioFileReaders {
  configAddresses: (path: string) => string[];
}

/**
 * Reads, parses and validates a scenario file; every problem is reported with its line and field. The wg-quick
 * layer binds `readers` (wgconf/load-scenario.ts): that is the loadScenario users call.
 */
export function loadScenarioWith(file: string, readers: ScenarioFileReaders): Scenario {
  const display = displayPath(file);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new WglabError(`cannot read scenario ${display}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {
      hint: 'give the path of a scenario YAML file, e.g. scenarios/article/03-transparent-a-prefix.yaml',
    });
  }
  return parseScenarioWith(text, file, readers);
}

/** Parses scenario YAML text; `file` names it in messages and anchors relative `configs:` paths. */
export function parseScenarioWith(text: string, file: string, readers: ScenarioFileReaders): Scenario {
  const display = displayPath(file);
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new WglabErrors(
      document.errors.map(
        (error) =>
          new WglabError(`YAML: ${error.message.split('\n')[0]}`, {
            location: { file: display, line: lineCounter.linePos(error.pos[0]).line },
            hint: 'fix the YAML syntax first (indentation, quotes, colons)',
          }),
      ),
    );
  }
  const parsed = scenarioSchema.safeParse(document.toJS());
  if (!parsed.success) {
    throw new WglabErrors(
      parsed.error.issues.flatMap((issue) => zodIssueErrors(issue, document, lineCounter, display)),
    );
  }
  const data = parsed.data;
  const base = dirname(resolve(file));
  const endpoints: Record<string, Endpoint> = Object.fromEntries(
    Object.entries(data.endpoints).map(([name, { publicIp, wgIp, files, ...endpoint }]) => [
      name,
      {
        name,
        ...endpoint,
        publicIp: publicIp[0]!,
        publicIps: publicIp,
        wgIp: wgIp?.[0],
        wgIps: wgIp ?? [],
        files: Object.fromEntries(Object.entries(files).map(([target, source]) => [target, resolve(base, source)])),
      },
    ]),
  );
  const scenario: Scenario = {
    name: data.name,
    description: data.description,
    file: file === '<scenario>' ? undefined : resolve(file),
    endpoints,
    tunnel: data.tunnel,
    configs:
      data.configs &&
      Object.fromEntries(
        Object.entries(data.configs).map(([name, paths]) => [
          name,
          Object.fromEntries(
            Object.entries(typeof paths === 'string' ? { wg0: paths } : paths).map(([iface, path]) => [
              iface,
              resolve(base, path),
            ]),
          ),
        ]),
      ),
    ...(data.internet ? { internet: data.internet } : {}),
    checks: data.checks,
  };
  const problems = validateScenario(scenario, {
    fileExists: existsSync,
    configAddresses: readers.configAddresses,
  });
  if (problems.length > 0)
    throw new WglabErrors(problems.map((problem) => problemError(problem, document, lineCounter, display)));
  return scenario;
}

function problemError(
  problem: ScenarioProblem,
  document: Document,
  lineCounter: LineCounter,
  file: string,
): WglabError {
  return new WglabError(`${problem.path.join('.')}: ${problem.message}`, {
    location: { file, line: lineOfPath(document, lineCounter, problem.path), field: problem.path.join('.') },
    hint: problem.hint,
  });
}

function zodIssueErrors(issue: ZodIssue, document: Document, lineCounter: LineCounter, file: string): WglabError[] {
  const path = issue.path;
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => {
      const field = [...path, key];
      return new WglabError(`${field.join('.')}: unknown field "${key}"`, {
        location: { file, line: lineOfPath(document, lineCounter, field, true), field: field.join('.') },
        hint: `${path.length > 0 ? `${path.join('.')} takes` : 'a scenario takes'}: ${knownFields(path)}; check the spelling`,
      });
    });
  }
  const field = path.join('.') || '(top level)';
  return [
    new WglabError(`${field}: ${zodMessage(issue)}`, {
      location: { file, line: lineOfPath(document, lineCounter, path), field },
      hint: hintFor(path),
    }),
  ];
}

function zodMessage(issue: ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.received === 'undefined' ? 'is missing' : `must be ${issue.expected}, not ${issue.received}`;
    case 'invalid_enum_value':
      return `"${String(issue.received)}" is not one of: ${issue.options.join(', ')}`;
    case 'invalid_union': {
      // A field of one value or another (a fault's kind, or { kind, node }): say what the value was not.
      const options = issue.unionErrors
        .flatMap((error) => error.issues)
        .flatMap((inner) => (inner.code === 'invalid_enum_value' ? [inner] : []));
      if (options[0]) return `"${String(options[0].received)}" is not one of: ${options[0].options.join(', ')}`;
      return issue.message;
    }
    case 'too_small':
      return `must be at least ${String(issue.minimum)}`;
    case 'too_big':
      return `must be at most ${String(issue.maximum)}`;
    default:
      return issue.message;
  }
}

function knownFields(path: readonly (string | number)[]): string {
  const [first, , third] = path;
  if (path.length === 0) return 'name, description, endpoints, tunnel, configs, internet, checks';
  if (first === 'endpoints' && third === 'lan') return 'address, hosts';
  if (first === 'endpoints' && third === 'link') return 'mtu, delay, jitter, loss';
  if (first === 'endpoints') return 'publicIp, wgIp, listenPort, serves, names, lan, files, link, sysctls';
  if (first === 'internet') return 'icmp, fragments';
  if (first === 'tunnel') return 'dialer, listener, transparent, table, priority, reachPeerWgIp, snat';
  if (first === 'checks' && third === 'expect') return 'sourceIp, path, stalls';
  if (first === 'checks' && third === 'fault') return 'kind, node';
  if (first === 'checks') return 'from, url, insecure, fault, bytes, idle, expect, note';
  return 'see docs/scenarios.md "Writing a scenario"';
}

function hintFor(path: readonly (string | number)[]): string {
  const last = String(path.at(-1));
  const hints: Record<string, string> = {
    publicIp: "an endpoint's address on the internet, e.g. 203.0.113.2 or 2001:db8::2, or [203.0.113.2, 2001:db8::2]",
    wgIp: "the endpoint's WireGuard address without prefix, e.g. 10.0.0.2 or fd00::2, or [10.0.0.2, fd00::2]",
    address: "the endpoint's LAN address with the LAN prefix, e.g. 192.168.1.1/24",
    sourceIp: 'the client address the server should log, e.g. 10.0.0.1',
    listenPort: 'a UDP port from 1 to 65535, e.g. 51822',
    table: 'any unused routing table number, e.g. 123',
    priority: 'a rule priority from 1 to 32763 (the table rule takes +1, the reach rule +2)',
    reachPeerWgIp: "one of prefix, route, rule (the article's three fixes)",
    path: 'one of tunnel, internet, none',
    fault:
      'one of tunnel-down, peer-down, wireguard-blocked, wireguard-killed, or { kind: <one of them>, node: <name> }',
    kind: 'one of tunnel-down, peer-down, wireguard-blocked, wireguard-killed',
    mtu: 'a link MTU from 576 to 9000, e.g. 1492 (PPPoE)',
    loss: 'a share of packets in percent, e.g. 1%',
    bytes: 'how many bytes the server answers with, e.g. 2000000',
    url: 'a full URL such as https://app.example.com/',
    name: 'a short name such as transparent-a',
    endpoints: 'a map of endpoint names to { publicIp, wgIp, listenPort, serves, names, lan, files }',
  };
  return hints[last] ?? 'see docs/scenarios.md "Writing a scenario"';
}

function displayPath(file: string): string {
  const shown = relative(process.cwd(), file);
  return shown.startsWith('..') ? file : shown;
}
