import type { CheckKindName } from '../scenario/check-target.ts';
import type { WireguardFlavour } from '../lab/wireguard-flavour.ts';
import type { Finding } from '../wgconf/lint/finding.ts';

/** One check as `wglab run --json` reports it. */
export interface CheckReport {
  from: string;
  /** The node that answers the check: the URL's server, the tcp/udp listener's or ping's target, the resolver that answered a dns query. */
  to: string;
  /** What the check sends: http, dns, ping, tcp or udp. */
  kind: CheckKindName;
  /** What it sends as lists name it: the URL, `dns app.example.com`, `ping 10.0.0.2 size 1372`, `tcp 203.0.113.2:22`. */
  target: string;
  /** For an http check: its URL. */
  url?: string;
  fault: string | null;
  /** The node the fault was aimed at, when the scenario named one (`fault: { kind, node }`). */
  faultNode?: string;
  /** With `bytes`, whether the transfer stalls (`stalls`), as expected and as observed with the bytes that arrived. */
  expected: { sourceIp: string | null; path: string; stalls?: boolean; resolver?: string };
  observed: {
    sourceIp: string | null;
    path: string;
    httpStatus: number | null;
    stalls?: boolean;
    bytes?: number;
    /** For dns: the resolver that answered (a node, or `internet`), the answer's status and records. */
    resolver?: string;
    dnsStatus?: string;
    answers?: string[];
  };
  /** What the routing model predicted from the configs alone (`wglab explain`), beside what the lab observed. */
  predicted?: { path: string; sourceIp?: string; stalls?: boolean };
  /** Where the model and the lab disagree: a finding of its own, which does not change the check's verdict. */
  modelDisagrees?: string;
  /** The body size the check asked the server for (`bytes:`). */
  bytes?: number;
  /** Seconds the lab was idle before the check was sent (`idle:`). */
  idle?: number;
  pass: boolean;
  reasons: string[];
  /** What each capture point saw of the request. */
  seen: string[];
  /** Each capture point: its packets, their conversations, and the pcap kept for it (relative to the artifacts). */
  captures: CaptureReport[];
  logLine: string | null;
  note?: string;
  seconds: number;
}

export interface CaptureReport {
  label: string;
  node: string;
  iface: string;
  packets: number;
  flows: string[];
  absent?: string;
  /** `NN-<from>[-<fault>]/<label>.pcap` under the artifacts directory, when artifacts were kept. */
  pcap?: string;
}

/** The lab's shape, for pictures: endpoints and which of them run WireGuard. */
export interface TopologyReport {
  endpoints: {
    name: string;
    publicIp: string;
    wgIp: string | null;
    listenPort: number | null;
    serves: string | null;
    transparent: boolean;
    /** Conditions on its link to the internet, when the scenario sets any. */
    link?: { mtu?: number; delay?: string; jitter?: string; loss?: string };
    /** net.* sysctls the scenario sets in it. */
    sysctls?: Record<string, string>;
    /** It runs a resolver (`resolver: true`). */
    resolver?: true;
    /** The NAT in front of it: its address inside, the NAT's idle UDP timeout and forwarded ports. */
    nat?: { address: string; udpTimeout?: number; forward: number[] };
  }[];
  /** What the internet router drops, when the scenario says (`icmp`, `fragments`). */
  internet?: { icmp: string; fragments: string };
  /** The WireGuard endpoints, the dialing end first. */
  tunnel: string[];
}

export interface ScenarioReport {
  scenario: string;
  description: string | null;
  topology: TopologyReport;
  /** The Docker engine the scenario's lab ran on, as given (`--engine`, WGLAB_ENGINES, DOCKER_HOST) or the local socket. */
  engine: string;
  wireguard: WireguardFlavour;
  lab: string;
  checks: CheckReport[];
  pass: boolean;
  /** Seconds per phase: lab bring-up phases, then the checks. */
  timings: Record<string, number>;
  /** Each wg-quick file the lab installed, private keys redacted: `A` for A's wg0, `A/wg1` for its wg1. */
  configs: Record<string, string>;
  /** Lint's findings on those configs (the lab ran them all the same). */
  lint: Finding[];
}
