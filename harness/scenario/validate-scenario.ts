import { isIpv4 } from '../net/ip.ts';
import { endpointForHost, type Scenario } from './scenario.ts';

/** A rule of the scenario format broken, with the field path it concerns. */
export interface ScenarioProblem {
  path: (string | number)[];
  message: string;
  hint: string;
}

/** Cross-field checks the schema alone cannot make: names that must exist, addresses that must differ, and so on. */
export function validateScenario(scenario: Scenario, io: { fileExists: (path: string) => boolean }): ScenarioProblem[] {
  const problems: ScenarioProblem[] = [];
  const add = (path: (string | number)[], message: string, hint: string) => problems.push({ path, message, hint });
  const names = Object.keys(scenario.endpoints);
  const known = `endpoints are: ${names.join(', ')}`;

  const owners = new Map<string, string>();
  for (const endpoint of Object.values(scenario.endpoints)) {
    if (endpoint.wgIp !== undefined && endpoint.wgIp === endpoint.publicIp) {
      add(['endpoints', endpoint.name, 'wgIp'], `wgIp ${endpoint.wgIp} equals the endpoint's publicIp`, 'the WireGuard address must differ from the public one, e.g. 10.0.0.x');
    }
    for (const field of ['publicIp', 'wgIp'] as const) {
      const address = endpoint[field];
      if (address === undefined) continue;
      const owner = owners.get(address);
      if (owner && !owner.startsWith(`${endpoint.name}.`)) {
        add(['endpoints', endpoint.name, field], `address ${address} is already used by endpoints.${owner}`, 'every public and WireGuard address in a scenario must be unique');
      }
      owners.set(address, `${endpoint.name}.${field}`);
    }
  }

  const tunnel = scenario.tunnel;
  if (tunnel && scenario.configs) {
    add(['configs'], 'both tunnel and configs are given', 'use tunnel: to generate configs, or configs: to verify your own files, not both');
  }
  if (tunnel) {
    for (const role of ['dialer', 'listener'] as const) {
      const endpoint = scenario.endpoints[tunnel[role]];
      if (!endpoint) {
        add(['tunnel', role], `endpoint "${tunnel[role]}" does not exist`, known);
        continue;
      }
      if (endpoint.wgIp === undefined) add(['endpoints', endpoint.name], `the tunnel's ${role} ${endpoint.name} has no wgIp`, 'give it a WireGuard address, e.g. wgIp: 10.0.0.1');
      if (endpoint.listenPort === undefined) add(['endpoints', endpoint.name], `the tunnel's ${role} ${endpoint.name} has no listenPort`, 'give it a UDP port, e.g. listenPort: 51821');
    }
    if (tunnel.dialer === tunnel.listener) add(['tunnel', 'listener'], 'dialer and listener are the same endpoint', 'a tunnel joins two different endpoints');
    const ends = [tunnel.dialer, tunnel.listener];
    tunnel.transparent.forEach((name, index) => {
      if (!ends.includes(name)) add(['tunnel', 'transparent', index], `"${name}" is not an end of the tunnel`, `transparent lists tunnel ends: ${ends.join(', ')}`);
      if (tunnel.transparent.indexOf(name) !== index) add(['tunnel', 'transparent', index], `"${name}" is listed twice`, 'list each end once');
    });
    if (tunnel.snat !== 'none' && !ends.includes(tunnel.snat)) {
      add(['tunnel', 'snat'], `"${tunnel.snat}" is not none or an end of the tunnel`, `snat is none, ${ends.join(' or ')}`);
    }
  }
  if (scenario.configs) {
    for (const [name, path] of Object.entries(scenario.configs)) {
      if (!scenario.endpoints[name]) add(['configs', name], `endpoint "${name}" does not exist`, known);
      else if (!io.fileExists(path)) add(['configs', name], `file ${path} does not exist`, 'paths in configs: are relative to the scenario file');
    }
  }

  const tunnelNames = tunnel ? [tunnel.dialer, tunnel.listener] : Object.keys(scenario.configs ?? {});
  scenario.checks.forEach((check, index) => {
    const at = (...path: (string | number)[]) => ['checks', index, ...path];
    if (!scenario.endpoints[check.from]) add(at('from'), `endpoint "${check.from}" does not exist`, known);
    const host = new URL(check.url).hostname.replace(/^\[|\]$/g, '');
    if (!endpointForHost(scenario, host)) {
      add(at('url'), isIpv4(host) ? `no endpoint has the address ${host}` : `no endpoint serves ${host}`,
        isIpv4(host) ? 'use a publicIp or wgIp of an endpoint' : `add serves: ${host} to the endpoint that runs the web server`);
    }
    if (check.expect?.path === 'none' && check.expect.sourceIp !== undefined) {
      add(at('expect', 'sourceIp'), 'a request expected to reach nothing has no source IP', 'omit sourceIp with path: none');
    }
    if (check.expect && check.expect.path !== 'none' && check.expect.sourceIp === undefined) {
      add(at('expect'), `path: ${check.expect.path} needs the sourceIp the server should log`, 'add sourceIp, e.g. sourceIp: 10.0.0.1');
    }
    if (check.fault) {
      if (tunnelNames.length === 0) add(at('fault'), `fault ${check.fault} needs a tunnel`, 'add tunnel: or configs: to the scenario');
      else if (check.fault !== 'wireguard-blocked' && !tunnelNames.includes(check.from)) {
        add(at('fault'), `fault ${check.fault} acts on the tunnel end the request comes from, but ${check.from} is not one`, `send the request from ${tunnelNames.join(' or ')}`);
      }
    }
  });
  return problems;
}
