import type { StartedTestContainer } from 'testcontainers';
import type { Scenario } from '../scenario/scenario.ts';
import type { KeySource } from '../wgconf/generate-configs.ts';
import { scenarioConfigs } from '../wgconf/scenario-configs.ts';
import { connectEngine, type Engine } from './engine.ts';
import { Lab } from './lab.ts';
import { ensureLabImage } from './lab-image.ts';
import { LabNodeContainer } from './lab-node-container.ts';
import { planLab, routerLinkIp, routerNode, type LabPlan } from './lab-plan.ts';
import { labLabels, nodeLabel } from './lab-resources.ts';
import { LabTeardown } from './lab-teardown.ts';
import { accessLogPath, nginxSite } from './nginx-site.ts';
import { NodeCommandError } from './node-command-error.ts';
import { silentProgress, type Progress } from './progress.ts';
import { throwIfInterrupted } from './shutdown.ts';
import { chooseWireguard } from './wireguard-flavour.ts';

export interface StartLabOptions {
  progress?: Progress;
  /** Leave the lab for later commands (wglab up): prune then keeps it unless --all. */
  detached?: boolean;
  /** Pins WireGuard keys (tests); fresh pairs otherwise. */
  keys?: KeySource;
}

/**
 * Starts a scenario's lab: one bridge per endpoint to the internet router, the endpoints' public IPs,
 * nginx with a lab-CA certificate on serving endpoints, and the scenario's wg-quick files up.
 * Bad configs throw before any container exists; a failure later removes everything it made.
 */
export async function startLab(scenario: Scenario, options: StartLabOptions = {}): Promise<Lab> {
  const progress = options.progress ?? silentProgress;
  const plan = planLab(scenario, scenarioConfigs(scenario, options.keys));
  const engine = await connectEngine();
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
    progress(`${plan.id}: starting ${plan.endpoints.length} endpoints and the internet router from ${image.tag}`);
    const nodes = await phase('containers', () => startContainers(engine, teardown, plan, image.tag, options.detached ?? false));
    const kernel = await phase('addresses', () => configureAddresses(engine, plan, nodes));
    const wireguard = chooseWireguard(kernel);
    const lab = new Lab({ plan, wireguard, nodes, engine, timings, teardown });
    await Promise.all([...nodes.values()].map((node) => node.copyContentToContainer([{ content: `${wireguard}\n`, target: '/etc/wglab/wireguard', mode: 0o644 }])));
    await phase('nginx + TLS', () => setupServers(lab));
    if (plan.wireguardOrder.length > 0) {
      await phase(`wireguard (${wireguard})`, () => lab.startWireguard());
    }
    progress(`${plan.id}: ready, WireGuard: ${wireguard}${wireguard === 'userspace' ? ' (wireguard-go)' : ' (kernel module)'}`);
    return lab;
  } catch (error) {
    await teardown.run().catch(() => {});
    throw error;
  }
}

async function startContainers(engine: Engine, teardown: LabTeardown, plan: LabPlan, image: string, detached: boolean): Promise<Map<string, StartedTestContainer>> {
  const labels = labLabels(plan.id, plan.scenario.name, detached);
  const network = (endpoint: string) => `${plan.id}-${endpoint}`;
  await Promise.all(plan.endpoints.map((endpoint) => teardown.track(() => engine.dockerode.createNetwork({
    Name: network(endpoint.name),
    Driver: 'bridge',
    CheckDuplicate: true,
    Labels: labels,
    Options: {
      // The host bridge gets no IPv4 address, hence no route: lab addresses never exist on the host.
      'com.docker.network.bridge.inhibit_ipv4': 'true',
      'com.docker.network.bridge.enable_ip_masquerade': 'false',
      'com.docker.network.bridge.enable_icc': 'true',
    },
  }))));
  const start = (node: string, net: string, sysctls: Record<string, string> = {}) => teardown.track(() => new LabNodeContainer({
    name: `${plan.id}-${node}`,
    image,
    network: net,
    labels: { ...labels, [nodeLabel]: node },
    hosts: plan.hosts,
    sysctls,
  }).start());
  const [first, ...others] = plan.endpoints;
  const started = await Promise.all([
    start(routerNode, network(first!.name), { 'net.ipv4.ip_forward': '1' }),
    ...plan.endpoints.map((endpoint) => start(endpoint.name, network(endpoint.name))),
  ]);
  const router = started[0]!;
  for (const endpoint of others) await teardown.track(() => engine.dockerode.getNetwork(network(endpoint.name)).connect({ Container: router.getId() }));
  return new Map([[routerNode, router], ...plan.endpoints.map((endpoint, index) => [endpoint.name, started[index + 1]!] as const)]);
}

/**
 * Replaces Docker's addresses with the lab's: each endpoint holds its public IP alone on its link and
 * routes everything through the router; the router holds 169.254.0.1 on every link and a host route
 * to each endpoint. Returns whether the kernel can create WireGuard links (probed on the router).
 */
async function configureAddresses(engine: Engine, plan: LabPlan, nodes: Map<string, StartedTestContainer>): Promise<boolean> {
  const router = nodes.get(routerNode)!;
  const inspect = await engine.dockerode.getContainer(router.getId()).inspect();
  const macs = plan.endpoints.map((endpoint) => [endpoint, inspect.NetworkSettings.Networks[`${plan.id}-${endpoint.name}`]?.MacAddress] as const);
  const routerScript = [
    'set -e',
    'dev_of() { for d in /sys/class/net/*; do [ "$(cat "$d/address")" = "$1" ] && { basename "$d"; return; }; done; echo "no interface with MAC $1" >&2; exit 1; }',
    ...macs.map(([, mac]) => `ip -4 addr flush dev "$(dev_of ${mac})"`),
    'ip -4 route flush table main',
    ...macs.flatMap(([endpoint, mac]) => [`d=$(dev_of ${mac})`, `ip addr add ${routerLinkIp}/32 dev "$d"`, `ip route add ${endpoint.publicIp}/32 dev "$d"`]),
  ];
  const exec = async (node: string, script: string) => {
    const result = await nodes.get(node)!.exec(['sh', '-c', script]);
    if (result.exitCode !== 0) {
      throw new NodeCommandError(node, ['sh', '-c', script], result.exitCode, result.stdout, result.stderr);
    }
    return result;
  };
  const [probe] = await Promise.all([
    nodes.get(routerNode)!.exec(['sh', '-c', 'ip link add wglabprobe type wireguard 2>/dev/null && ip link del wglabprobe']),
    exec(routerNode, routerScript.join('\n')),
    ...plan.endpoints.map((endpoint) => exec(endpoint.name, [
      'set -e',
      'ip -4 addr flush dev eth0',
      'ip -4 route flush table main',
      `ip addr add ${endpoint.publicIp}/32 dev eth0`,
      `ip route add ${routerLinkIp}/32 dev eth0 scope link`,
      `ip route add default via ${routerLinkIp} dev eth0 onlink`,
    ].join('\n'))),
  ]);
  return probe.exitCode === 0;
}

/** A CA on the router, a certificate per served name, nginx on each serving endpoint, and every node trusting the CA. */
async function setupServers(lab: Lab): Promise<void> {
  const servers = lab.plan.endpoints.filter((endpoint) => endpoint.serves);
  if (servers.length === 0) return;
  const ec = '-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes';
  await lab.sh(routerNode, `set -e; umask 077; mkdir -p /etc/wglab/ca; cd /etc/wglab/ca
openssl req -x509 ${ec} -keyout ca.key -out ca.pem -days 7 -subj "/CN=wglab lab CA ${lab.id}" -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null`);
  const caPem = (await lab.exec(routerNode, ['cat', '/etc/wglab/ca/ca.pem'])).stdout;
  await Promise.all([
    ...servers.map(async (server) => {
      const name = server.serves!;
      await lab.sh(routerNode, `set -e; umask 077; cd /etc/wglab/ca
openssl req ${ec} -keyout '${name}.key' -out '${name}.csr' -subj '/CN=${name}' 2>/dev/null
printf 'subjectAltName=DNS:%s\\nbasicConstraints=CA:FALSE\\nkeyUsage=digitalSignature\\nextendedKeyUsage=serverAuth\\n' '${name}' > '${name}.ext'
openssl x509 -req -in '${name}.csr' -CA ca.pem -CAkey ca.key -CAcreateserial -days 7 -out '${name}.pem' -extfile '${name}.ext' 2>/dev/null`);
      const [key, cert] = await Promise.all([
        lab.exec(routerNode, ['cat', `/etc/wglab/ca/${name}.key`]),
        lab.exec(routerNode, ['cat', `/etc/wglab/ca/${name}.pem`]),
      ]);
      const node = lab.nodes.get(server.name)!;
      await node.copyContentToContainer([
        { content: key.stdout, target: '/etc/wglab/tls/server.key', mode: 0o600 },
        { content: cert.stdout, target: '/etc/wglab/tls/server.pem', mode: 0o644 },
        { content: nginxSite(name), target: '/etc/nginx/conf.d/wglab.conf', mode: 0o644 },
      ]);
      await lab.sh(server.name, `set -e; : > ${accessLogPath}; nginx -t 2>&1 | grep -v 'syntax is ok' >&2 || true; nginx`);
    }),
    ...lab.plan.endpoints.map(async (endpoint) => {
      await lab.nodes.get(endpoint.name)!.copyContentToContainer([{ content: caPem, target: '/etc/wglab/ca.pem', mode: 0o644 }]);
      await lab.sh(endpoint.name, 'cat /etc/wglab/ca.pem >> /etc/ssl/certs/ca-certificates.crt');
    }),
  ]);
}
