import type { StartedTestContainer } from 'testcontainers';
import type { Scenario } from '../scenario/scenario.ts';
import type { Engine } from './engine.ts';
import type { LabPlan } from './lab-plan.ts';
import { EngineGoneError, engineAnswers } from './engine-gone.ts';
import { LabClosedError, type LabTeardown } from './lab-teardown.ts';
import { NodeCommandError } from './node-command-error.ts';
import { NodeShell } from './node-shell.ts';
import { wgQuickEnv, type WireguardFlavour } from './wireguard-flavour.ts';

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  env?: Record<string, string>;
  /** Return a failed command's result instead of throwing NodeCommandError. */
  allowFailure?: boolean;
}

/** A started lab: its nodes (the scenario's endpoints and the internet router), WireGuard flavour, and teardown. */
export class Lab implements AsyncDisposable {
  readonly id: string;
  private currentPlan: LabPlan;
  readonly wireguard: WireguardFlavour;
  readonly nodes: ReadonlyMap<string, StartedTestContainer>;
  /** Seconds each bring-up phase took, for progress and benchmarks. */
  readonly timings: Record<string, number>;
  private readonly engine: Engine;
  private readonly teardown: LabTeardown;
  /** One shell session per node, opened on first use (see NodeShell). */
  private readonly shells = new Map<string, Promise<NodeShell>>();
  /** Whether wg0 is up on each WireGuard node, as this process left it. */
  private readonly wireguardUp = new Map<string, boolean>();

  constructor(init: { plan: LabPlan; wireguard: WireguardFlavour; nodes: Map<string, StartedTestContainer>; engine: Engine; timings: Record<string, number>; teardown: LabTeardown }) {
    this.id = init.plan.id;
    this.currentPlan = init.plan;
    this.wireguard = init.wireguard;
    this.nodes = init.nodes;
    this.engine = init.engine;
    this.timings = init.timings;
    this.teardown = init.teardown;
    this.teardown.onClose(() => {
      for (const shell of this.shells.values()) shell.then((session) => session.close(), () => undefined);
    });
  }

  /** The plan of the scenario the lab runs now (reconfigure swaps it). */
  get plan(): LabPlan {
    return this.currentPlan;
  }

  get scenario(): Scenario {
    return this.plan.scenario;
  }

  /** Runs a command in a node; a non-zero exit throws NodeCommandError (node, command, stderr) unless allowFailure. */
  async exec(node: string, command: string[], options: ExecOptions = {}): Promise<ExecResult> {
    const container = this.nodes.get(node);
    if (!container) throw new NodeCommandError(node, command, -1, '', `no node ${node} in lab ${this.id}; nodes: ${[...this.nodes.keys()].join(', ')}`);
    if (this.teardown.closing) throw new LabClosedError(this.id);
    const result = await this.shell(node, container).then((shell) => shell.run(command, options.env)).catch(async (error: unknown) => {
      if (this.teardown.closing) throw new LabClosedError(this.id);
      if (!(await engineAnswers(this.engine))) throw new EngineGoneError(error);
      throw new NodeCommandError(node, command, -1, '', `no shell session in node ${node}: ${error instanceof Error ? error.message : String(error)}`, `is the container still running? see: wglab status --lab ${this.id}`);
    });
    if (result.exitCode !== 0 && !options.allowFailure) {
      throw new NodeCommandError(node, command, result.exitCode, result.stdout, result.stderr, `look inside with: wglab exec --lab ${this.id} ${node} -- sh`);
    }
    return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
  }

  private shell(node: string, container: StartedTestContainer): Promise<NodeShell> {
    let shell = this.shells.get(node);
    if (!shell) {
      shell = NodeShell.open(this.engine.dockerode, container.getId());
      shell.catch(() => this.shells.delete(node));
      this.shells.set(node, shell);
    }
    return shell;
  }

  /** Runs a shell snippet in a node. */
  sh(node: string, script: string, options: ExecOptions = {}): Promise<ExecResult> {
    return this.exec(node, ['sh', '-c', script], options);
  }

  /** A file's bytes from a node. */
  async readFile(node: string, path: string): Promise<Uint8Array> {
    const container = this.nodes.get(node);
    if (!container) throw new NodeCommandError(node, ['cat', path], -1, '', `no node ${node} in lab ${this.id}`);
    const archive = await container.copyArchiveFromContainer(path);
    const chunks: Buffer[] = [];
    for await (const chunk of archive) chunks.push(chunk as Buffer);
    return firstTarEntry(Buffer.concat(chunks));
  }

  /** `wg-quick up wg0` on a node, with the lab's WireGuard flavour. */
  async wgUp(node: string): Promise<void> {
    await this.exec(node, ['wg-quick', 'up', 'wg0'], { env: wgQuickEnv(this.wireguard) });
    this.wireguardUp.set(node, true);
  }

  /** Whether wg0 is up on a node: known without asking when this lab brought it up or down. */
  async isWireguardUp(node: string): Promise<boolean> {
    const known = this.wireguardUp.get(node);
    if (known !== undefined) return known;
    const up = (await this.exec(node, ['ip', 'link', 'show', 'wg0'], { allowFailure: true })).exitCode === 0;
    this.wireguardUp.set(node, up);
    return up;
  }

  /** `wg-quick down wg0` on a node. */
  async wgDown(node: string): Promise<void> {
    await this.exec(node, ['wg-quick', 'down', 'wg0'], { env: wgQuickEnv(this.wireguard) });
    this.wireguardUp.set(node, false);
  }

  /** Installs each WireGuard endpoint's wg0.conf (mode 0600) and brings them up, listening ends first. */
  async startWireguard(): Promise<void> {
    await Promise.all(this.plan.endpoints.map((endpoint) => (endpoint.wgConfig
      ? this.nodes.get(endpoint.name)!.copyContentToContainer([{ content: endpoint.wgConfig, target: '/etc/wireguard/wg0.conf', mode: 0o600 }])
      : this.exec(endpoint.name, ['rm', '-f', '/etc/wireguard/wg0.conf']))));
    for (const name of this.plan.wireguardOrder) await this.wgUp(name);
  }

  /**
   * Runs another scenario with the same endpoints (names, public IPs, served names) in this lab: WireGuard
   * down everywhere, policy rules and iptables rules a config may have left behind removed, the new configs up.
   */
  async reconfigure(plan: LabPlan): Promise<void> {
    if (!sameEndpoints(this.plan, plan)) throw new Error(`lab ${this.id} has other endpoints than scenario ${plan.scenario.name}`);
    const previous = this.plan.wireguardOrder;
    await Promise.all(previous.map(async (node) => {
      if (await this.isWireguardUp(node)) await this.wgDown(node);
      await this.sh(node, `for p in $(ip rule show | cut -d: -f1 | grep -vxE '0|32766|32767'); do ip rule del priority $p; done
iptables -t nat -F; iptables -F`);
    }));
    this.currentPlan = { ...plan, id: this.id };
    await this.startWireguard();
  }

  /** Whether teardown has begun (by down(), a failure or a signal). */
  get closing(): boolean {
    return this.teardown.closing;
  }

  /**
   * Stops the node shells, then removes every container and network of the lab. The same promise for every
   * caller (the run, a failure, a signal), so teardowns never race.
   */
  down(): Promise<void> {
    return this.teardown.run();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.down();
  }
}

/** The content of the first file in a tar archive (Docker's archive API returns one). */
function firstTarEntry(tar: Buffer): Uint8Array {
  const size = parseInt(tar.subarray(124, 136).toString('latin1').replace(/\0/g, '').trim(), 8);
  return new Uint8Array(tar.subarray(512, 512 + (Number.isFinite(size) ? size : 0)));
}

/** Whether two plans need the same lab: the same endpoints with the same public IPs and served names. */
export function sameEndpoints(a: LabPlan, b: LabPlan): boolean {
  const shape = (plan: LabPlan) => JSON.stringify(plan.endpoints.map((endpoint) => [endpoint.name, endpoint.publicIp, endpoint.serves ?? null]));
  return shape(a) === shape(b);
}
