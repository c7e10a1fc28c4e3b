import { checkTarget } from './check-target.ts';
import { cidrContains, isIpAddress, isIpv4, parseCidr, sameAddress } from '../net/ip.ts';
import {
  endpointForHost,
  faultKind,
  faultNode,
  lanHostForHost,
  lanHosts,
  natGateway,
  type Scenario,
} from './scenario.ts';

/** A rule of the scenario format broken, with the field path it concerns. */
export interface ScenarioProblem {
  path: (string | number)[];
  message: string;
  hint: string;
}

/** Cross-field checks the schema alone cannot make: names that must exist, addresses that must differ, and so on. */
export function validateScenario(
  scenario: Scenario,
  io: { fileExists: (path: string) => boolean; configAddresses?: (path: string) => string[] },
): ScenarioProblem[] {
  const problems: ScenarioProblem[] = [];
  const add = (path: (string | number)[], message: string, hint: string) => problems.push({ path, message, hint });
  const names = Object.keys(scenario.endpoints);
  const known = `endpoints are: ${names.join(', ')}`;

  const owners = new Map<string, string>();
  const own = (address: string, owner: string, path: (string | number)[]) => {
    const key = parseCidr(address)?.address ?? address;
    const normal = [...owners.keys()].find((known) => sameAddress(known, key));
    const previous = normal === undefined ? undefined : owners.get(normal);
    if (previous && previous.split('.')[0] !== owner.split('.')[0]) {
      add(
        path,
        `address ${key} is already used by endpoints.${previous}`,
        'every public, WireGuard, LAN and LAN host address in a scenario must be unique',
      );
    }
    if (normal === undefined) owners.set(key, owner);
  };
  const hostNames = new Set<string>();
  for (const endpoint of Object.values(scenario.endpoints)) {
    for (const wgIp of endpoint.wgIps) {
      if (endpoint.publicIps.some((publicIp) => sameAddress(publicIp, wgIp))) {
        add(
          ['endpoints', endpoint.name, 'wgIp'],
          `wgIp ${wgIp} equals the endpoint's publicIp`,
          'the WireGuard address must differ from the public one, e.g. 10.0.0.x',
        );
      }
    }
    for (const field of ['publicIps', 'wgIps'] as const) {
      for (const address of endpoint[field])
        own(address, `${endpoint.name}.${field.slice(0, -1)}`, ['endpoints', endpoint.name, field.slice(0, -1)]);
    }
    if (endpoint.nat) {
      const inside = parseCidr(endpoint.nat.address)!;
      const at = ['endpoints', endpoint.name, 'nat'];
      const v4 = isIpv4(inside.address);
      if (inside.prefix > (v4 ? 30 : 126))
        add(
          [...at, 'address'],
          `${endpoint.nat.address} is not an address in a prefix with room for the NAT (at most /${v4 ? 30 : 126})`,
          v4
            ? 'write the address behind the NAT with its network, e.g. 192.168.1.2/24 (the NAT takes 192.168.1.1)'
            : 'write the address behind the NAT with its network, e.g. fd00:1::2/64 (the NAT takes fd00:1::1)',
        );
      else if (sameAddress(natGateway(endpoint.nat.address), inside.address))
        add(
          [...at, 'address'],
          `${inside.address} is the prefix's first address, which the NAT holds`,
          `use another address of the prefix, e.g. ${natGateway(endpoint.nat.address).replace(/\d+$/, (last) => String(Number(last) + 1))}`,
        );
      else own(inside.address, `${endpoint.name}.nat`, [...at, 'address']);
      if (endpoint.publicIps.some((address) => isIpv4(address) !== v4))
        add(
          ['endpoints', endpoint.name, 'publicIp'],
          `an endpoint behind a NAT takes public addresses of its inside address's family (${v4 ? 'IPv4' : 'IPv6'}): the NAT translates one family`,
          `give nat.address ${v4 ? 'an IPv6' : 'an IPv4'} address to match, or publicIp ${v4 ? 'IPv4' : 'IPv6'} ones`,
        );
      if (scenario.endpoints[`${endpoint.name}-nat`])
        add(
          at,
          `the NAT in front of ${endpoint.name} is the node ${endpoint.name}-nat, a name an endpoint already has`,
          'rename that endpoint',
        );
    }
    if (endpoint.link?.jitter !== undefined && endpoint.link.delay === undefined)
      add(
        ['endpoints', endpoint.name, 'link', 'jitter'],
        'jitter varies a delay, and the link has none',
        'add delay: (e.g. delay: 20ms, jitter: 5ms)',
      );
    for (const [target, source] of Object.entries(endpoint.files)) {
      if (!io.fileExists(source))
        add(
          ['endpoints', endpoint.name, 'files', target],
          `file ${source} does not exist`,
          'paths in files: are relative to the scenario file',
        );
    }
    if (endpoint.lan) {
      const lan = parseCidr(endpoint.lan.address)!;
      own(lan.address, `${endpoint.name}.lan.address`, ['endpoints', endpoint.name, 'lan', 'address']);
      for (const [host, address] of Object.entries(endpoint.lan.hosts)) {
        const at = ['endpoints', endpoint.name, 'lan', 'hosts', host];
        if (!cidrContains(lan, address))
          add(
            at,
            `LAN host ${host} (${address}) is outside the LAN ${endpoint.lan.address}`,
            `give it an address in ${endpoint.lan.address}`,
          );
        own(address, `${endpoint.name}.lan.hosts.${host}`, at);
        if (scenario.endpoints[host] || host === 'internet' || hostNames.has(host)) {
          add(
            at,
            `the name ${host} is already taken (by an endpoint, another LAN host, or the lab's internet router)`,
            'give every endpoint and LAN host its own name',
          );
        }
        hostNames.add(host);
      }
    }
  }

  const tunnel = scenario.tunnel;
  if (tunnel && scenario.configs) {
    add(
      ['configs'],
      'both tunnel and configs are given',
      'use tunnel: to generate configs, or configs: to verify your own files, not both',
    );
  }
  if (tunnel) {
    for (const role of ['dialer', 'listener'] as const) {
      const endpoint = scenario.endpoints[tunnel[role]];
      if (!endpoint) {
        add(['tunnel', role], `endpoint "${tunnel[role]}" does not exist`, known);
        continue;
      }
      if (endpoint.wgIp === undefined)
        add(
          ['endpoints', endpoint.name],
          `the tunnel's ${role} ${endpoint.name} has no wgIp`,
          'give it a WireGuard address, e.g. wgIp: 10.0.0.1',
        );
      if (endpoint.listenPort === undefined)
        add(
          ['endpoints', endpoint.name],
          `the tunnel's ${role} ${endpoint.name} has no listenPort`,
          'give it a UDP port, e.g. listenPort: 51821',
        );
    }
    if (tunnel.dialer === tunnel.listener)
      add(
        ['tunnel', 'listener'],
        'dialer and listener are the same endpoint',
        'a tunnel joins two different endpoints',
      );
    const ends = [tunnel.dialer, tunnel.listener];
    tunnel.transparent.forEach((name, index) => {
      if (!ends.includes(name))
        add(
          ['tunnel', 'transparent', index],
          `"${name}" is not an end of the tunnel`,
          `transparent lists tunnel ends: ${ends.join(', ')}`,
        );
      if (tunnel.transparent.indexOf(name) !== index)
        add(['tunnel', 'transparent', index], `"${name}" is listed twice`, 'list each end once');
    });
    if (tunnel.snat !== 'none' && !ends.includes(tunnel.snat)) {
      add(
        ['tunnel', 'snat'],
        `"${tunnel.snat}" is not none or an end of the tunnel`,
        `snat is none, ${ends.join(' or ')}`,
      );
    }
  }
  if (scenario.configs) {
    for (const [name, files] of Object.entries(scenario.configs)) {
      if (!scenario.endpoints[name]) add(['configs', name], `endpoint "${name}" does not exist`, known);
      else {
        for (const [iface, path] of Object.entries(files)) {
          const at = Object.keys(files).length === 1 && iface === 'wg0' ? ['configs', name] : ['configs', name, iface];
          if (!io.fileExists(path))
            add(at, `file ${path} does not exist`, 'paths in configs: are relative to the scenario file');
        }
      }
    }
  }

  const tunnelNames = tunnel ? [tunnel.dialer, tunnel.listener] : Object.keys(scenario.configs ?? {});
  const configOwners = Object.entries(scenario.configs ?? {}).flatMap(([name, files]) =>
    Object.values(files).flatMap((path) =>
      (io.fileExists(path) ? (io.configAddresses?.(path) ?? []) : []).map((address) => ({ address, endpoint: name })),
    ),
  );
  const hosts = lanHosts(scenario);
  const behind = (node: string) => hosts.find((host) => host.name === node)?.endpoint ?? node;
  scenario.checks.forEach((check, index) => {
    const at = (...path: (string | number)[]) => ['checks', index, ...path];
    const from = scenario.endpoints[check.from] ? check.from : hosts.find((host) => host.name === check.from)?.name;
    if (!from)
      add(
        at('from'),
        `endpoint or LAN host "${check.from}" does not exist`,
        `${known}${hosts.length > 0 ? `; LAN hosts are: ${hosts.map((host) => host.name).join(', ')}` : ''}`,
      );
    const target = checkTarget(check);
    const host = target.host;
    const endpoint = target.kind === 'dns' ? undefined : endpointForHost(scenario, host);
    const lanHost = target.kind === 'dns' ? undefined : lanHostForHost(scenario, host);
    const configOwner = configOwners.find((owner) => sameAddress(owner.address, host));
    const field = target.kind === 'http' ? 'url' : target.kind;
    if (target.kind !== 'dns' && !endpoint && !lanHost && !configOwner) {
      add(
        at(field),
        isIpAddress(host)
          ? `no endpoint, LAN host or config Address has the address ${host}`
          : `no endpoint serves ${host}`,
        isIpAddress(host)
          ? 'use a publicIp, wgIp or LAN address of the scenario, or an Address of a file in configs:'
          : `add serves: ${host} (or names: [${host}]) to the endpoint ${target.kind === 'http' ? 'that runs the web server' : 'that answers'}`,
      );
    }
    const resolver = check.expect?.resolver;
    if (resolver !== undefined && resolver !== 'internet' && !scenario.endpoints[resolver]?.resolver) {
      add(
        at('expect', 'resolver'),
        scenario.endpoints[resolver]
          ? `${resolver} runs no resolver`
          : `"${resolver}" is neither an endpoint nor internet (the ISP's resolver on the router)`,
        `name an endpoint with resolver: true (${
          Object.values(scenario.endpoints)
            .filter((candidate) => candidate.resolver)
            .map((candidate) => candidate.name)
            .join(', ') || 'none has one'
        }), or internet`,
      );
    }
    if (check.expect?.path === 'none' && resolver !== undefined) {
      add(
        at('expect', 'resolver'),
        'a query expected to reach nothing has no resolver',
        'omit resolver with path: none',
      );
    }
    if (check.expect?.path === 'none' && check.expect.sourceIp !== undefined) {
      add(
        at('expect', 'sourceIp'),
        'a request expected to reach nothing has no source IP',
        'omit sourceIp with path: none',
      );
    }
    if (check.expect?.stalls && check.bytes === undefined) {
      add(
        at('expect', 'stalls'),
        'stalls: true says a transfer stops short, and this check asks for no transfer',
        'add bytes: N (e.g. bytes: 2000000) so the server answers with that many bytes',
      );
    }
    if (check.expect?.stalls && check.expect.path === 'none') {
      add(at('expect', 'stalls'), 'a request that reaches nothing cannot stall', 'use path: tunnel or internet');
    }
    const kind = faultKind(check);
    const aimed = faultNode(check);
    if (kind === 'nat-rebind') {
      const node = aimed ?? from;
      const natted = node === undefined ? undefined : scenario.endpoints[behind(node)];
      if (node !== undefined && !natted?.nat)
        add(
          aimed !== undefined ? at('fault', 'node') : at('fault'),
          `fault nat-rebind acts on the NAT in front of ${behind(node)}, and ${behind(node)} has none`,
          `give ${behind(node)} nat: { address: 192.168.1.2/24 }, or aim it: fault: { kind: nat-rebind, node: <endpoint behind a NAT> }`,
        );
    } else if (kind && aimed !== undefined) {
      const node = scenario.endpoints[aimed] ? aimed : hosts.find((host) => host.name === aimed)?.name;
      if (!node) add(at('fault', 'node'), `node "${aimed}" does not exist`, known);
      else if (kind === 'wireguard-blocked')
        add(
          at('fault', 'node'),
          'wireguard-blocked acts on the internet router, not on a node',
          'write fault: wireguard-blocked',
        );
      else if (!tunnelNames.includes(behind(node)))
        add(
          at('fault', 'node'),
          `fault ${kind} acts on a WireGuard endpoint, and ${behind(node)} runs no WireGuard`,
          `aim it at ${tunnelNames.join(' or ') || 'an endpoint with a tunnel'}`,
        );
    } else if (kind && from) {
      if (tunnelNames.length === 0)
        add(at('fault'), `fault ${kind} needs a tunnel`, 'add tunnel: or configs: to the scenario');
      else if ((kind === 'tunnel-down' || kind === 'wireguard-killed') && !tunnelNames.includes(behind(from))) {
        add(
          at('fault'),
          `fault ${kind} acts on the tunnel end the request comes from (or its LAN sits behind), but ${behind(from)} runs no WireGuard`,
          `send the request from ${tunnelNames.join(' or ')} or a LAN host behind one, or aim it: fault: { kind: ${kind}, node: <endpoint> }`,
        );
      } else if (kind === 'peer-down') {
        const holder = lanHost?.endpoint ?? endpoint?.name ?? configOwner?.endpoint;
        const acts =
          holder !== undefined && holder !== behind(from) && tunnelNames.includes(holder)
            ? holder
            : tunnelNames.length === 2
              ? tunnelNames.find((name) => name !== behind(from))
              : undefined;
        if (acts === undefined || !tunnelNames.includes(behind(from))) {
          add(
            at('fault'),
            "fault peer-down acts on the WireGuard endpoint that holds the URL's address (or its LAN host sits behind), and the request must come from another one",
            `send the request from ${tunnelNames.join(' or ')} (or a LAN host behind one) to an address another of them holds`,
          );
        }
      }
    }
  });
  return problems;
}
