import { randomBytes } from 'node:crypto';
import type { Scenario } from '../scenario/scenario.ts';
import { serializeWgConfig } from '../wgconf/serialize-wg-config.ts';
import type { WgConfig } from '../wgconf/wg-config.ts';
import { endpointAddress, readWgSettings } from '../wgconf/wg-settings.ts';

/** The node that stands for the internet: it routes between every endpoint's link. */
export const routerNode = 'internet';
/**
 * The router's address on every link. Link-local, so it can clash with no scenario address and
 * means nothing outside the lab; endpoints reach it on-link and route everything else through it.
 */
export const routerLinkIp = '169.254.0.1';

export interface EndpointPlan {
  name: string;
  publicIp: string;
  /** The wg-quick file to install as /etc/wireguard/wg0.conf, when this endpoint runs WireGuard. */
  wgConfig?: string;
  /** The name its nginx answers to, with a certificate from the lab's CA. */
  serves?: string;
}

/** Everything a lab needs, worked out before any container exists. */
export interface LabPlan {
  id: string;
  scenario: Scenario;
  endpoints: EndpointPlan[];
  /** Names every node resolves (through /etc/hosts): served names to their server's public IP. */
  hosts: { host: string; ipAddress: string }[];
  /** WireGuard endpoints in the order to bring them up: those that only listen first. */
  wireguardOrder: string[];
  /** Each WireGuard endpoint's ListenPort, where its file sets one. */
  listenPorts: Record<string, number>;
}

export function planLab(scenario: Scenario, configs: Map<string, WgConfig>, id = newLabId(scenario.name)): LabPlan {
  const endpoints = Object.values(scenario.endpoints).map((endpoint) => ({
    name: endpoint.name,
    publicIp: endpoint.publicIp,
    wgConfig: configs.has(endpoint.name) ? serializeWgConfig(configs.get(endpoint.name)!) : undefined,
    serves: endpoint.serves,
  }));
  const hosts = Object.values(scenario.endpoints).flatMap((endpoint) => (endpoint.serves ? [{ host: endpoint.serves, ipAddress: endpoint.publicIp }] : []));
  const dials = (name: string) => readWgSettings(configs.get(name)!).peers.some((peer) => endpointAddress(peer) !== undefined);
  const wireguardOrder = [...configs.keys()].sort((a, b) => Number(dials(a)) - Number(dials(b)));
  const listenPorts = Object.fromEntries([...configs].flatMap(([name, config]) => {
    const port = readWgSettings(config).interface.listenPort?.value;
    return port === undefined ? [] : [[name, port]];
  }));
  return { id, scenario, endpoints, hosts, wireguardOrder, listenPorts };
}

/** `wglab-<scenario>-<6 hex>`: unique per run, and readable in `docker ps`. */
export function newLabId(scenarioName: string): string {
  const slug = scenarioName.toLowerCase().replace(/[^a-z0-9.-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '').slice(0, 32) || 'lab';
  return `wglab-${slug}-${randomBytes(3).toString('hex')}`;
}
