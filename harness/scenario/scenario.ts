import { z } from 'zod';
import { isIpv4 } from '../net/ip.ts';

const ipv4 = z.string().refine(isIpv4, { message: 'is not an IPv4 address (e.g. 203.0.113.2)' });
const port = z.number().int().min(1).max(65535);
const hostname = z.string().regex(/^(?=.{1,253}$)([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)*[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/, 'is not a DNS name');
const endpointName = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,30}$/, 'names start with a letter and hold letters, digits, - and _');

export const endpointSchema = z.strictObject({
  publicIp: ipv4,
  wgIp: ipv4.optional(),
  listenPort: port.optional(),
  serves: hostname.optional(),
});

export const reachFixes = ['prefix', 'route', 'rule'] as const;
export const faults = ['tunnel-down', 'peer-down', 'wireguard-blocked'] as const;
export const paths = ['tunnel', 'internet', 'none'] as const;

export const tunnelSchema = z.strictObject({
  dialer: z.string(),
  listener: z.string(),
  transparent: z.array(z.string()).default([]),
  /** Routing table for the AllowedIPs routes: not 0 or the kernel's own 253 (default), 254 (main), 255 (local). */
  table: z.number().int().min(1).max(0xffffffff).refine((table) => ![253, 254, 255].includes(table), {
    message: 'is one of the kernel\'s own tables (253 default, 254 main, 255 local)',
  }).default(123),
  /** The dport rule's priority; the table rule takes +1 and the reach rule +2, all ahead of main (32766). */
  priority: z.number().int().min(1).max(32763).default(455),
  reachPeerWgIp: z.enum(reachFixes).default('prefix'),
  snat: z.string().default('none'),
});

export const checkSchema = z.strictObject({
  from: z.string(),
  url: z.string().url().refine((url) => /^https?:/.test(url), { message: 'must be an http:// or https:// URL' }),
  insecure: z.boolean().default(false),
  fault: z.enum(faults).optional(),
  /** Left out until `wglab run --record` writes what the lab observed. */
  expect: z.strictObject({
    sourceIp: ipv4.optional(),
    path: z.enum(paths),
  }).optional(),
  /** Free text shown in reports. */
  note: z.string().optional(),
});

export const scenarioSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/i, 'names hold letters, digits, ., - and _'),
  description: z.string().optional(),
  endpoints: z.record(endpointName, endpointSchema).refine((endpoints) => Object.keys(endpoints).length > 0, { message: 'names no endpoint' }),
  tunnel: tunnelSchema.optional(),
  configs: z.record(z.string(), z.string()).optional(),
  checks: z.array(checkSchema).default([]),
});

export type ScenarioInput = z.input<typeof scenarioSchema>;
export type Endpoint = z.output<typeof endpointSchema> & { name: string };
export type Tunnel = z.output<typeof tunnelSchema>;
export type Check = z.output<typeof checkSchema>;
export type Expectation = NonNullable<Check['expect']>;
export type ReachFix = (typeof reachFixes)[number];
export type Fault = (typeof faults)[number];
export type CheckPath = (typeof paths)[number];

/** A validated scenario: every name it uses exists, every address is sound. */
export interface Scenario {
  name: string;
  description?: string;
  /** The YAML file it came from, when it came from one. */
  file?: string;
  endpoints: Record<string, Endpoint>;
  tunnel?: Tunnel;
  /** Hand-written wg-quick files by endpoint, as absolute paths. */
  configs?: Record<string, string>;
  checks: Check[];
}

/** The endpoint that serves a URL's host name, or that owns the address it names. */
export function endpointForHost(scenario: Scenario, host: string): Endpoint | undefined {
  return Object.values(scenario.endpoints).find(
    (endpoint) => endpoint.serves === host || endpoint.publicIp === host || endpoint.wgIp === host,
  );
}

/** The two tunnel ends, dialer first, when the scenario generates its configs. */
export function tunnelEnds(scenario: Scenario): [Endpoint, Endpoint] | undefined {
  const tunnel = scenario.tunnel;
  if (!tunnel) return undefined;
  return [scenario.endpoints[tunnel.dialer]!, scenario.endpoints[tunnel.listener]!];
}
