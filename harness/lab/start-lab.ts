import { readFileSync, statSync } from 'node:fs';
import { WglabError } from '../errors.ts';
import { internetRules, linkConditionLines, natRuleLines, needsNetem, sysctlLines } from './node-setup.ts';
import { isIpv6, parseCidr } from '../net/ip.ts';
import type { Scenario } from '../scenario/scenario.ts';
import type { KeySource } from '../wgconf/generate-configs.ts';
import { connectEngine, type Engine } from './engine.ts';
import { Lab } from './lab.ts';
import { ensureLabImage } from './lab-image.ts';
import { startNode, type LabNode } from './lab-node-container.ts';
import {
  ispNameserver,
  planLab,
  routerLinkIp,
  routerLinkIp6,
  routerNode,
  routerResolverIp6,
  type LabPlan,
} from './lab-plan.ts';
import { labLabels, nodeLabel } from './lab-resources.ts';
import { LabTeardown } from './lab-teardown.ts';
import { accessLogPath, bodyFileLines, labCaPath, nginxSite } from './nginx-site.ts';
import { listenerLines, pingLoggerLines, resolvConfLines, resolverLines } from './services.ts';
import { silentProgress, type Progress } from './progress.ts';
import { throwIfInterrupted } from './shutdown.ts';
import { enterNodes, enterNodesScript } from './writable-net-sysctls.ts';
import { vethLinks, vethScript, type VethLink } from './veth-links.ts';
import { chooseWireguard } from './wireguard-flavour.ts';

export interface StartLabOptions {
  progress?: Progress;
  /** Leave the lab for later commands (wglab up): prune then keeps it unless --all. */
  detached?: boolean;
  /** Pins WireGuard keys (tests) when given a scenario to plan; fresh pairs otherwise. */
  keys?: KeySource;
  /** The engine to start it on (default: the user's, DOCKER_HOST). */
  engine?: Engine;
}

function isLabPlan(value: LabPlan | Scenario): value is LabPlan {
  return Array.isArray(value.endpoints);
}

/**
 * Starts a lab from its plan (or plans the scenario given): one bridge per endpoint to the internet router, the endpoints' public IPs,
 * nginx with a lab-CA certificate on serving endpoints, and the scenario's wg-quick files up.
 * Bad configs throw before any container exists; a failure later removes everything it made.
 */
export async function startLab(planned: LabPlan | Scenario, options: StartLabOptions = {}): Promise<Lab> {
  const progress = options.progress ?? silentProgress;
  const plan = isLabPlan(planned) ? planned : planLab(planned, { keys: options.keys });
  const engine = options.engine ?? (await connectEngine());
  const image = await ensureLabImage(engine, progress);
  throwIfInterrupted();
  // The lab's one teardown exists before its first resource: a signal from here on removes what was made.
  const teardown = new LabTeardown(engine, plan.id, progress);
  const timings: Record<string, number> = {};
  const phase = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const start = performance.now();
    const result = await work();
    timings[name] = (performance.now() - start) / 1000;
    progress(`${plan.id}: ${name} (${timings[name]!.toFixed(1)} s)`);
    return result;
  };
  try {
    const started = performance.now();
    progress(
      `${plan.id}: starting ${plan.endpoints.length} endpoints${plan.lanHosts.length > 0 ? `, ${plan.lanHosts.length} LAN hosts` : ''} and the internet router from ${image.tag}`,
    );
    // Links of two nodes each are veth pairs made inside the nodes' own namespaces; a LAN of several hosts needs
    // the engine's bridge networks.
    const veth = vethLinks(plan);
    const nodes = await phase('containers', () =>
      startContainers(engine, teardown, plan, image.tag, options.detached ?? false, veth !== undefined),
    );
    // What does not depend on each other overlaps: addresses (then files, after the links), the servers, writable
    // net sysctls. WireGuard waits for all of them (its hooks may run sysctl -w, read files, reach the peer).
    const sysctls = phase(veth ? 'links and sysctls' : 'sysctls', () =>
      teardown.track(() =>
        enterNodes(
          engine,
          image.tag,
          plan.nodes.map((node) => ({ node: node.name, id: nodes.get(node.name)!.id })),
          (pids) =>
            [
              ...(veth ? [vethScript(veth, pids)] : []),
              enterNodesScript(plan.endpoints.map((endpoint) => pids.get(endpoint.name)!)),
            ].join('\n'),
          plan.id,
          labLabels(plan.id, plan.scenario.name, options.detached ?? false),
          veth ? 'making the links and /proc/sys/net writable' : 'making /proc/sys/net writable',
        ),
      ),
    );
    sysctls.catch(() => undefined); // awaited below; a failure before then must not go unhandled
    // Everything from here goes through each node's shell session, not the engine's exec and archive calls.
    const lab = new Lab({ plan, nodes, engine, timings, teardown });
    await settleAll([
      sysctls,
      (async () => {
        lab.useWireguard(chooseWireguard(await kernelHasWireguard(lab)));
        await Promise.all(
          [...nodes.keys()].map((node) =>
            lab.writeFiles(node, [{ content: `${lab.wireguard}\n`, target: '/etc/wglab/wireguard', mode: 0o644 }]),
          ),
        );
      })(),
      phase('addresses', async () => {
        if (veth) await sysctls;
        await configureAddresses(lab, veth ? vethMacs(veth) : engineMacs(engine, lab));
      }).then(async () => {
        if (plan.endpoints.some((endpoint) => Object.keys(endpoint.files).length > 0))
          await phase('files', () => installFiles(lab));
      }),
      phase('nginx + TLS', () => setupServers(lab)),
      phase('resolvers and listeners', () => startServices(lab)),
    ]);
    // Nodes on this machine's kernel read this process's clock: captures then need no mark per batch.
    const entered = await sysctls;
    if (entered.onThisKernel) lab.nodesOnThisKernel(entered.pids);
    const withSysctls = plan.nodes.filter((node) => Object.keys(node.scenarioSysctls).length > 0);
    if (withSysctls.length > 0)
      await phase('scenario sysctls', () =>
        Promise.all(withSysctls.map((node) => lab.sh(node.name, sysctlLines(node.scenarioSysctls).join('\n')))),
      );
    const wireguard = lab.wireguard;
    if (plan.wireguardOrder.length > 0) {
      await phase(`wireguard (${wireguard})`, () => lab.startWireguard());
    }
    timings['bring-up'] = (performance.now() - started) / 1000;
    progress(
      `${plan.id}: ready in ${timings['bring-up'].toFixed(1)} s, WireGuard: ${wireguard}${wireguard === 'userspace' ? ' (wireguard-go)' : ' (kernel module)'}`,
    );
    return lab;
  } catch (error) {
    await teardown.run().catch(() => {});
    throw error;
  }
}

async function startContainers(
  engine: Engine,
  teardown: LabTeardown,
  plan: LabPlan,
  image: string,
  detached: boolean,
  veth: boolean,
): Promise<Map<string, LabNode>> {
  const labels = labLabels(plan.id, plan.scenario.name, detached);
  await Promise.all(
    (veth ? [] : plan.links).map((link) =>
      teardown.track(() =>
        engine.dockerode.createNetwork({
          Name: link.network,
          Driver: 'bridge',
          CheckDuplicate: true,
          Labels: labels,
          Options: {
            // The host bridge gets no IPv4 address, hence no route: lab addresses never exist on the host.
            // Docker enables no IPv6 on it either: the host keeps only its link-local fe80:: address there.
            'com.docker.network.bridge.inhibit_ipv4': 'true',
            'com.docker.network.bridge.enable_ip_masquerade': 'false',
            'com.docker.network.bridge.enable_icc': 'true',
          },
        }),
      ),
    ),
  );
  // Every node starts on its first network (its eth0), all at once; then joins its others, all at once too (the
  // router every other link, an endpoint its LAN): addresses find each interface by its MAC address, not its name.
  const started = await Promise.all(
    plan.nodes.map((node) =>
      teardown.track(() =>
        startNode(engine, {
          name: `${plan.id}-${node.name}`,
          image,
          network: veth ? 'none' : node.networks[0]!,
          labels: { ...labels, [nodeLabel]: node.name },
          hosts: plan.hosts,
          sysctls: node.sysctls,
        }),
      ),
    ),
  );
  const nodes = new Map(plan.nodes.map((node, index) => [node.name, started[index]!] as const));
  await Promise.all(
    (veth ? [] : plan.nodes).flatMap((node) =>
      node.networks
        .slice(1)
        .map((network) =>
          teardown.track(() => engine.dockerode.getNetwork(network).connect({ Container: nodes.get(node.name)!.id })),
        ),
    ),
  );
  return nodes;
}

/**
 * Waits for every piece of work; the first failure is thrown once all have settled (none is left running
 * behind the teardown that follows a failure).
 */
async function settleAll(work: Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(work);
  const failed = results.find((result) => result.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
}

/** Delay, jitter and loss need the kernel's netem qdisc: a kernel without it stops the lab with what to do. */
async function assertNetem(lab: Lab): Promise<void> {
  const probe = await lab.sh(routerNode, 'tc qdisc add dev lo root netem delay 0ms && tc qdisc del dev lo root', {
    allowFailure: true,
  });
  if (probe.exitCode !== 0)
    throw new WglabError(
      `this engine's kernel has no netem qdisc (sch_netem), which link delay, jitter and loss need: ${probe.stderr.trim() || 'tc refused it'}`,
      {
        hint: 'run the scenario in wglab vm (export $(wglab vm up | tail -1)), on a kernel with sch_netem, or leave out delay, jitter and loss',
      },
    );
}

/** Whether the kernel can create WireGuard links (probed on the router). */
async function kernelHasWireguard(lab: Lab): Promise<boolean> {
  const probe = await lab.sh(
    routerNode,
    'ip link add wglabprobe type wireguard 2>/dev/null && ip link del wglabprobe',
    { allowFailure: true },
  );
  return probe.exitCode === 0;
}

/** A node's MAC address on a network of the lab: which of its interfaces that network is. */
type MacLookup = (node: string, network: string) => Promise<string | undefined>;

/** MACs as the engine gave them, on its bridge networks. */
function engineMacs(engine: Engine, lab: Lab): MacLookup {
  return async (node, network) =>
    (await engine.dockerode.getContainer(lab.nodes.get(node)!.id).inspect()).NetworkSettings.Networks[network]
      ?.MacAddress;
}

/** MACs the veth pairs were made with. */
function vethMacs(links: VethLink[]): MacLookup {
  return (node, network) =>
    Promise.resolve(links.find((link) => link.network === network)?.ends.find((end) => end.node === node)?.mac);
}

/**
 * Replaces Docker's addresses with the lab's: each endpoint holds its public IPs alone on its link and
 * routes everything through the router; the router holds 169.254.0.1 (and fe80::1) on every link and a host
 * route to each endpoint. An endpoint with a LAN holds its LAN address on eth1; each LAN host holds its
 * address on its eth0 and routes through the endpoint.
 */
async function configureAddresses(lab: Lab, macOn: MacLookup): Promise<void> {
  const { plan } = lab;
  const conditionsOf = (endpoint: string) =>
    plan.links.find((link) => link.kind === 'internet' && link.endpoint === endpoint)?.conditions ?? {};
  if (plan.links.some((link) => needsNetem(link.conditions))) await assertNetem(lab);
  const macs = await Promise.all(
    plan.endpoints.map(async (endpoint) => [endpoint, await macOn(routerNode, `${plan.id}-${endpoint.name}`)] as const),
  );
  const devOf =
    'dev_of() { for d in /sys/class/net/*; do [ "$(cat "$d/address")" = "$1" ] && { basename "$d"; return; }; done; echo "no interface with MAC $1" >&2; exit 1; }';
  const family = (address: string) => (isIpv6(address) ? '-6' : '-4');
  const nodad = (address: string) => (isIpv6(address) ? ' nodad' : '');
  const routerScript = [
    'set -e',
    devOf,
    ...macs.map(([, mac]) => `ip -4 addr flush dev "$(dev_of ${mac})"`),
    'ip -4 route flush table main',
    // The ISP resolver's routable IPv6 address, for endpoints behind an IPv6 NAT (ispNameserver).
    ...(plan.ipv6 ? [`ip -6 addr add ${routerResolverIp6}/128 dev lo`] : []),
    ...macs.flatMap(([endpoint, mac]) => [
      `d=$(dev_of ${mac})`,
      ...linkConditionLines('"$d"', conditionsOf(endpoint.name)),
      `ip addr add ${routerLinkIp}/32 dev "$d"`,
      ...(plan.ipv6 ? [`ip -6 addr add ${routerLinkIp6}/64 dev "$d" nodad`] : []),
      ...endpoint.publicIps.map(
        (address) => `ip ${family(address)} route add ${address}/${isIpv6(address) ? 128 : 32} dev "$d"`,
      ),
    ]),
  ];
  const rules = internetRules(plan.internet);
  if (rules) routerScript.push(`nft -f - <<'WGLAB_NFT'\n${rules}WGLAB_NFT`);
  const exec = (node: string, script: string) => lab.sh(node, script);
  /** Shell lines that name the interface with that MAC eth1 (the second network a node joined). */
  const asEth1 = (mac: string | undefined) => [
    `d=$(dev_of ${mac})`,
    '[ "$d" = eth1 ] || { ip link set "$d" down; ip link set "$d" name eth1; ip link set eth1 up; }',
    'ip -4 addr flush dev eth1',
  ];
  const lanMacs = new Map(
    await Promise.all(
      plan.endpoints
        .filter((endpoint) => endpoint.lan)
        .map(
          async (endpoint) => [endpoint.name, await macOn(endpoint.name, `${plan.id}-${endpoint.name}-lan`)] as const,
        ),
    ),
  );
  // An endpoint behind a NAT holds its inside address on eth0 and routes through the NAT, which holds the public
  // address (and the link's conditions) and masquerades; otherwise the endpoint holds them itself.
  const publicSide = (endpoint: LabPlan['endpoints'][number]) => [
    'ip -4 addr flush dev eth0',
    'ip -4 route flush table main',
    ...linkConditionLines('eth0', conditionsOf(endpoint.name)),
    ...endpoint.publicIps.map(
      (address) => `ip ${family(address)} addr add ${address}/${isIpv6(address) ? 128 : 32} dev eth0${nodad(address)}`,
    ),
    `ip route add ${routerLinkIp}/32 dev eth0 scope link`,
    `ip route add default via ${routerLinkIp} dev eth0 onlink`,
    ...(plan.ipv6 ? [`ip -6 route add default via ${routerLinkIp6} dev eth0`] : []),
  ];
  const endpointScript = (endpoint: LabPlan['endpoints'][number]) => {
    const lan = endpoint.lan && parseCidr(endpoint.lan.address)!;
    const nat = endpoint.nat;
    return [
      'set -e',
      devOf,
      ...(nat
        ? [
            'ip -4 addr flush dev eth0',
            'ip -4 route flush table main',
            `ip ${family(nat.address)} addr add ${nat.address}/${nat.prefix} dev eth0${nodad(nat.address)}`,
            `ip ${family(nat.address)} route add default via ${nat.gateway} dev eth0`,
          ]
        : publicSide(endpoint)),
      ...(lan
        ? [
            ...asEth1(lanMacs.get(endpoint.name)),
            `ip ${family(lan.address)} addr add ${lan.address}/${lan.prefix} dev eth1${nodad(lan.address)}`,
          ]
        : []),
    ].join('\n');
  };
  const lanHostScript = (host: LabPlan['lanHosts'][number]) => {
    const gateway = parseCidr(
      plan.endpoints.find((endpoint) => endpoint.name === host.endpoint)!.lan!.address,
    )!.address;
    return [
      'set -e',
      'ip -4 addr flush dev eth0',
      'ip -4 route flush table main',
      `ip ${family(host.address)} addr add ${host.address}/${host.prefix} dev eth0${nodad(host.address)}`,
      `ip ${family(gateway)} route add default via ${gateway} dev eth0`,
    ].join('\n');
  };
  const insideMacs = new Map(
    await Promise.all(
      plan.endpoints
        .filter((endpoint) => endpoint.nat)
        .map(
          async (endpoint) =>
            [endpoint.name, await macOn(endpoint.nat!.node, `${plan.id}-${endpoint.name}-inside`)] as const,
        ),
    ),
  );
  const natScript = (endpoint: LabPlan['endpoints'][number]) => {
    const nat = endpoint.nat!;
    return [
      'set -e',
      devOf,
      ...publicSide(endpoint),
      ...asEth1(insideMacs.get(endpoint.name)),
      `ip ${family(nat.gateway)} addr add ${nat.gateway}/${nat.prefix} dev eth1${nodad(nat.gateway)}`,
      ...natRuleLines(nat),
    ].join('\n');
  };
  await Promise.all([
    exec(routerNode, routerScript.join('\n')),
    ...plan.endpoints
      .filter((endpoint) => endpoint.nat)
      .map((endpoint) => exec(endpoint.nat!.node, natScript(endpoint))),
    ...plan.endpoints.map((endpoint) => exec(endpoint.name, endpointScript(endpoint))),
    ...plan.lanHosts.map((host) => exec(host.name, lanHostScript(host))),
  ]);
}

/** The scenario's `files:`, each with its local file's mode, put on its node before WireGuard starts. */
async function installFiles(lab: Lab): Promise<void> {
  await Promise.all(
    lab.plan.endpoints
      .filter((endpoint) => Object.keys(endpoint.files).length > 0)
      .map((endpoint) =>
        lab.writeFiles(
          endpoint.name,
          Object.entries(endpoint.files).map(([target, source]) => ({
            content: readFileSync(source),
            target,
            mode: statSync(source).mode & 0o7777,
          })),
        ),
      ),
  );
}

/**
 * A CA on the router, a certificate per server (its served name and `names:`, else every address it holds),
 * nginx on each serving endpoint and each LAN host, and every node trusting the CA.
 */
async function setupServers(lab: Lab): Promise<void> {
  const plan = lab.plan;
  const servers = plan.web;
  if (servers.length === 0) return;
  const ec = '-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes';
  // A served name's certificate holds its names only (as in the article: https to the WireGuard IP needs -k);
  // a server without one (a URL names its address, or a LAN host) gets its addresses in the certificate.
  const sanOf = (server: (typeof servers)[number]) => {
    const endpointServes = plan.endpoints.find((endpoint) => endpoint.name === server.node)?.serves;
    const addresses = endpointServes
      ? []
      : [...new Set(plan.addressOwners.filter((owner) => owner.node === server.node).map((owner) => owner.address))];
    return [...server.dns.map((name) => `DNS:${name}`), ...addresses.map((address) => `IP:${address}`)].join(',');
  };
  // The lab CA and every server's key and certificate in one command on the router, printed (base64, a line
  // each: the CA, then each server's key and certificate): the router's shell is busy with much else meanwhile.
  const made = await lab.sh(
    routerNode,
    [
      'set -e; umask 077; mkdir -p /etc/wglab/ca; cd /etc/wglab/ca',
      `openssl req -x509 ${ec} -keyout ca.key -out ca.pem -days 7 -subj "/CN=wglab lab CA ${lab.id}" -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null`,
      ...servers.flatMap((server) => {
        const file = server.node;
        return [
          `openssl req ${ec} -keyout '${file}.key' -out '${file}.csr' -subj '/CN=${server.name}' 2>/dev/null`,
          `printf 'subjectAltName=%s\\nbasicConstraints=CA:FALSE\\nkeyUsage=digitalSignature\\nextendedKeyUsage=serverAuth\\n' '${sanOf(server)}' > '${file}.ext'`,
          `openssl x509 -req -in '${file}.csr' -CA ca.pem -CAkey ca.key -CAcreateserial -days 7 -out '${file}.pem' -extfile '${file}.ext' 2>/dev/null`,
        ];
      }),
      `for f in ca.pem ${servers.map((server) => `'${server.node}.key' '${server.node}.pem'`).join(' ')}; do base64 -w0 "$f"; echo; done`,
    ].join('\n'),
  );
  const [caPem = '', ...serverFiles] = made.stdout
    .trim()
    .split('\n')
    .map((line) => Buffer.from(line.trim(), 'base64').toString('utf8'));
  const allNodes = [...plan.endpoints.map((endpoint) => endpoint.name), ...plan.lanHosts.map((host) => host.name)];
  await Promise.all([
    ...servers.map(async (server, at) => {
      await lab.writeFiles(server.node, [
        { content: serverFiles[2 * at]!, target: '/etc/wglab/tls/server.key', mode: 0o600 },
        { content: serverFiles[2 * at + 1]!, target: '/etc/wglab/tls/server.pem', mode: 0o644 },
        { content: nginxSite(server.name, plan.ipv6), target: '/etc/nginx/conf.d/wglab.conf', mode: 0o644 },
      ]);
      await lab.sh(
        server.node,
        [
          'set -e',
          ...bodyFileLines(server.bodies),
          `: > ${accessLogPath}; nginx -t 2>&1 | grep -v 'syntax is ok' >&2 || true; nginx`,
        ].join('\n'),
      );
    }),
    ...allNodes.map(async (name) => {
      await lab.writeFiles(name, [{ content: caPem, target: labCaPath, mode: 0o644 }]);
      await lab.sh(name, `cat ${labCaPath} >> /etc/ssl/certs/ca-certificates.crt`);
    }),
  ]);
}

/**
 * The lab's other servers and its name service: the ISP's resolver on the router (and one on each endpoint with
 * `resolver: true`), every node's resolv.conf naming the ISP's (never the engine's embedded DNS), the listeners
 * `tcp:` and `udp:` checks connect to, and the echo log of each `ping:` target.
 */
async function startServices(lab: Lab): Promise<void> {
  const { plan } = lab;
  const clients = [...plan.endpoints.map((endpoint) => endpoint.name), ...plan.lanHosts.map((host) => host.name)];
  const byNode = new Map<string, string[]>();
  const add = (node: string, lines: string[]) => byNode.set(node, [...(byNode.get(node) ?? []), ...lines]);
  for (const resolver of plan.resolvers) add(resolver.node, resolverLines(plan.hosts));
  for (const node of clients) add(node, resolvConfLines(ispNameserver(plan, node)));
  for (const listener of plan.listeners) add(listener.node, listenerLines(listener, plan.ipv6));
  for (const node of plan.pingTargets) add(node, pingLoggerLines());
  await Promise.all([...byNode].map(([node, lines]) => lab.sh(node, ['set -e', ...lines].join('\n'))));
}
