import { accessSync, constants } from 'node:fs';
import type { Scenario } from '../scenario/scenario.ts';
import type { Engine } from './engine.ts';
import type { LabNode } from './lab-node-container.ts';
import { routerNode, type LabPlan } from './lab-plan.ts';
import { EngineGoneError, engineWentAway } from './engine-gone.ts';
import { LabClosedError, type LabTeardown } from './lab-teardown.ts';
import { NodeCommandError } from './node-command-error.ts';
import { freshPeers, freshSessionsScript, savesConfig } from './fresh-sessions.ts';
import { NodeShell } from './node-shell.ts';
import { wgQuickEnv, type WireguardFlavour } from './wireguard-flavour.ts';
import { slownessFactor } from './engine-speed.ts';
import { ipv6MinimumMtu } from '../routing/wg-quick.ts';

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  env?: Record<string, string>;
  /** Return a failed command's result instead of throwing NodeCommandError. */
  allowFailure?: boolean;
  /**
   * Which of the node's shell sessions runs it (0 unless given): commands on one session run one after another,
   * on different lanes at the same time (concurrent requests from one node). Lanes open on first use.
   */
  lane?: number;
}

/** Client ports a request may bind (curl --local-port FROM-TO), so its packets are told from another's. */
export interface PortRange {
  from: number;
  to: number;
}

/** A started lab: its nodes (the scenario's endpoints and the internet router), WireGuard flavour, and teardown. */
export class Lab implements AsyncDisposable {
  readonly id: string;
  private currentPlan: LabPlan;
  private flavour?: WireguardFlavour;
  readonly nodes: ReadonlyMap<string, LabNode>;
  /** Seconds each bring-up phase took, for progress and benchmarks. */
  readonly timings: Record<string, number>;
  private readonly engine: Engine;
  private readonly teardown: LabTeardown;
  /** Shell sessions per node and lane (`A#0`), opened on first use (see NodeShell). */
  private readonly shells = new Map<string, Promise<NodeShell>>();
  /** Whether wg0 is up on each WireGuard node, as this process left it. */
  private readonly wireguardUp = new Map<string, boolean>();
  /** Requests given client ports so far (see clientPorts). */
  private requests = 0;
  /** A fault was undone except for WireGuard's restart, which the next check (or reconfigure) does first. */
  private restartPending = false;
  /** Down hooks of the lab's own restarts that failed after wg-quick deleted their interface, not yet reported. */
  private readonly downHookFailures: string[] = [];
  /** The engine's slowness, measured once (see engineSlowness). */
  private slowness?: Promise<number>;
  /** Whether the nodes run on this process's kernel, and so read its clock (see nodesOnThisKernel). */
  private clockShared = false;
  /** Each node's root as seen from this process (see nodesOnThisKernel). */
  private readonly roots = new Map<string, string>();
  /** The slowest TCP connection (curl's time_connect, seconds) a check of this lab has made. */
  private slowestConnectSeconds?: number;

  constructor(init: {
    plan: LabPlan;
    wireguard?: WireguardFlavour;
    nodes: Map<string, LabNode>;
    engine: Engine;
    timings: Record<string, number>;
    teardown: LabTeardown;
  }) {
    this.id = init.plan.id;
    this.currentPlan = init.plan;
    this.flavour = init.wireguard;
    this.nodes = init.nodes;
    this.engine = init.engine;
    this.timings = init.timings;
    this.teardown = init.teardown;
    this.teardown.onClose(() => {
      for (const shell of this.shells.values())
        shell.then(
          (session) => session.close(),
          () => undefined,
        );
    });
  }

  /**
   * Marks the nodes as running on this process's kernel (found while the lab comes up), with their main
   * processes' PIDs here: their clock is this process's, and as root their files are readable from here
   * (/proc/PID/root) without a command in the node.
   */
  nodesOnThisKernel(pids: ReadonlyMap<string, number> = new Map()): void {
    this.clockShared = true;
    if (process.getuid?.() !== 0) return;
    for (const [node, pid] of pids) {
      const root = `/proc/${pid}/root`;
      try {
        accessSync(`${root}/tmp`, constants.R_OK);
        this.roots.set(node, root);
      } catch {
        // not readable from here (another PID namespace after all): its files are read through its shell
      }
    }
  }

  /**
   * Where a node's file is seen from this process (`/proc/PID/root/...`), when the node runs on this kernel and
   * this process is root; undefined otherwise (read it through the node's shell).
   */
  pathHere(node: string, path: string): string | undefined {
    const root = this.roots.get(node);
    return root === undefined ? undefined : `${root}${path}`;
  }

  /**
   * The nodes' clock (CLOCK_REALTIME, what tcpdump stamps packets with) in seconds, read here without asking a
   * node: known only when they run on this process's kernel; undefined otherwise (a remote engine, the VM).
   */
  nodeClock(): number | undefined {
    return this.clockShared ? Date.now() / 1000 : undefined;
  }

  /** Which WireGuard the lab runs: the kernel module where the kernel has it, else wireguard-go. */
  get wireguard(): WireguardFlavour {
    if (!this.flavour) throw new Error(`lab ${this.id}: WireGuard's flavour is not chosen yet`);
    return this.flavour;
  }

  /** Sets the flavour once, while the lab comes up (the router's kernel was probed). */
  useWireguard(flavour: WireguardFlavour): void {
    if (this.flavour && this.flavour !== flavour)
      throw new Error(`lab ${this.id} already runs WireGuard ${this.flavour}`);
    this.flavour = flavour;
  }

  /**
   * Writes files into a node through its shell (no archive upload through the engine): each file's content,
   * its directory made, its mode set. For text and small files (configs, keys, certificates).
   */
  async writeFiles(
    node: string,
    files: { content: string | Uint8Array; target: string; mode: number }[],
    /** Shell lines to run first in the same command (their failures do not stop it). */
    before = '',
  ): Promise<void> {
    // The whole script is one command-line argument, limited to 128 KiB on Linux: large files go in pieces.
    if (files.reduce((sum, file) => sum + Buffer.byteLength(file.content), 0) > 64 * 1024) {
      if (before !== '') await this.sh(node, before, { allowFailure: true });
      for (const file of files) await this.writeLargeFile(node, file);
      return;
    }
    const script = files
      .map((file) => {
        const data = Buffer.from(file.content).toString('base64');
        const target = `'${file.target.replace(/'/g, `'\\''`)}'`;
        // Directories as an archive makes them (0755); the file itself is never readable by others before its chmod.
        return `(umask 022; mkdir -p "$(dirname ${target})") && printf %s '${data}' | base64 -d > ${target}.wglab-new && chmod ${file.mode.toString(8)} ${target}.wglab-new && mv -f ${target}.wglab-new ${target}`;
      })
      .join(' &&\n');
    await this.sh(node, `${before === '' ? '' : `${before}\n`}set -e; umask 077\n${script}`);
  }

  /** One file in pieces of 48 KiB through the node's shell, then its mode, then in place. */
  private async writeLargeFile(
    node: string,
    file: { content: string | Uint8Array; target: string; mode: number },
  ): Promise<void> {
    const bytes = Buffer.from(file.content);
    const target = `'${file.target.replace(/'/g, `'\\''`)}'`;
    await this.sh(node, `(umask 022; mkdir -p "$(dirname ${target})") && umask 077 && : > ${target}.wglab-new`);
    for (let at = 0; at < bytes.length; at += 48 * 1024) {
      const data = bytes.subarray(at, at + 48 * 1024).toString('base64');
      await this.sh(node, `printf %s '${data}' | base64 -d >> ${target}.wglab-new`);
    }
    await this.sh(node, `chmod ${file.mode.toString(8)} ${target}.wglab-new && mv -f ${target}.wglab-new ${target}`);
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
    if (!container)
      throw new NodeCommandError(
        node,
        command,
        -1,
        '',
        `no node ${node} in lab ${this.id}; nodes: ${[...this.nodes.keys()].join(', ')}`,
      );
    if (this.teardown.closing) throw new LabClosedError(this.id);
    const result = await this.shell(node, container, options.lane ?? 0)
      .then((shell) => shell.run(command, options.env))
      .catch(async (error: unknown) => {
        if (this.teardown.closing) throw new LabClosedError(this.id);
        if (await engineWentAway(this.engine, error)) throw new EngineGoneError(error, this.engine.name);
        throw new NodeCommandError(
          node,
          command,
          -1,
          '',
          `no shell session in node ${node}: ${error instanceof Error ? error.message : String(error)}`,
          `is the container still running? see: wglab status --lab ${this.id}`,
        );
      });
    if (result.exitCode !== 0 && !options.allowFailure) {
      throw new NodeCommandError(
        node,
        command,
        result.exitCode,
        result.stdout,
        result.stderr,
        `look inside with: wglab exec --lab ${this.id} ${node} -- sh`,
      );
    }
    return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
  }

  private shell(node: string, container: LabNode, lane: number): Promise<NodeShell> {
    const key = `${node}#${lane}`;
    let shell = this.shells.get(key);
    if (!shell) {
      shell = NodeShell.open(this.engine.dockerode, container.id);
      shell.catch(() => this.shells.delete(key));
      this.shells.set(key, shell);
    }
    return shell;
  }

  /**
   * Ten client ports of its own for the next request, from 20000 to 29999 (below the kernel's ephemeral range),
   * cycling: a request's packets are told apart from a concurrent one's by them, even when it never connects.
   */
  clientPorts(): PortRange {
    const from = 20000 + (this.requests++ % 1000) * 10;
    return { from, to: from + 9 };
  }

  /**
   * How many times slower than a native engine this lab's engine is (1 on a native engine, ≈10 on an emulated VM):
   * the fastest of three trivial commands in the router, measured once per lab. Timeouts are multiplied by it, so a
   * slow engine gets time to answer and a native one keeps quick `none` verdicts. WGLAB_ENGINE_FACTOR sets it.
   */
  engineSlowness(): Promise<number> {
    this.slowness ??= (async () => {
      const given = Number(process.env.WGLAB_ENGINE_FACTOR);
      if (given > 0) return given;
      await this.exec(routerNode, ['true'], { allowFailure: true }); // opens the shell session
      let fastest = Infinity;
      for (let round = 0; round < 3; round++) {
        const start = performance.now();
        await this.exec(routerNode, ['true'], { allowFailure: true });
        fastest = Math.min(fastest, (performance.now() - start) / 1000);
      }
      return slownessFactor(fastest);
    })();
    return this.slowness;
  }

  /** The slowest TCP connection a check of this lab has made (seconds), for how long a `none` check waits. */
  get slowestConnect(): number | undefined {
    return this.slowestConnectSeconds;
  }

  /** Notes how long a check's TCP connection took. */
  noteConnect(seconds: number): void {
    this.slowestConnectSeconds = Math.max(this.slowestConnectSeconds ?? 0, seconds);
  }

  /** When the last check's requests ended (ms, performance.now()): the lab is idle of check traffic since. */
  private lastCheckTraffic = performance.now();

  /** Notes that a check's requests have ended. */
  checkTrafficEnded(): void {
    this.lastCheckTraffic = performance.now();
  }

  /** Waits until the lab has carried no check traffic for `seconds` (WireGuard's keepalives and handshakes go on). */
  async untilIdle(seconds: number): Promise<void> {
    const wait = seconds * 1000 - (performance.now() - this.lastCheckTraffic);
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }

  /** Marks WireGuard for a restart before the next check: what a fault's deferred undo leaves. */
  deferWireguardRestart(): void {
    this.restartPending = true;
  }

  /**
   * Restarts WireGuard on every end (listeners first) if a fault's undo left that for now. The ends in `leaving`
   * are left as they are: the next fault takes them down (wg-quick down), and a restart there first would change
   * nothing that fault leaves; the restart they miss is still pending after it.
   */
  async settleWireguard(leaving: ReadonlySet<string> = new Set()): Promise<void> {
    if (!this.restartPending) return;
    this.restartPending = leaving.size > 0;
    await this.restartWireguard(leaving);
  }

  /**
   * Fresh WireGuard sessions on every end, listening ends first, as a restart gives them: an interface a fault
   * left down comes up with wg-quick (its hooks run); one still up has the peers of its file removed and added
   * again (`freshPeers`): handshakes, session keys and learned endpoints are gone; its routes, rules and hooks' work
   * stay, as they would after wg-quick down and up. An interface whose file has SaveConfig is
   * restarted with wg-quick (down writes back what it learned).
   */
  async restartWireguard(leaving: ReadonlySet<string> = new Set()): Promise<void> {
    const resets = new Set<string>();
    for (const face of this.plan.interfaces) {
      if (leaving.has(face.node)) continue;
      const up = await this.isWireguardUp(face.node, face.iface);
      if (up && !savesConfig(this.fileOf(face.node, face.iface))) resets.add(`${face.node}/${face.iface}`);
    }
    await Promise.all(
      this.plan.wireguardOrder
        .filter((node) => !leaving.has(node))
        .map(async (node) => {
          for (const iface of [...this.interfacesOf(node)].reverse())
            if (!resets.has(`${node}/${iface}`) && (await this.isWireguardUp(node, iface)))
              this.downHookFailures.push(...(await this.wgDown(node, iface)));
        }),
    );
    await this.upInOrder((node, iface) => resets.has(`${node}/${iface}`), leaving);
  }

  /**
   * Each WireGuard interface in bring-up order (listening ends first): fresh sessions where `stays` says it
   * stays up as it is, `wg-quick up` otherwise; the nodes in `skipped` are left alone.
   */
  private async upInOrder(
    stays: (node: string, iface: string) => boolean,
    skipped: ReadonlySet<string> = new Set(),
  ): Promise<void> {
    for (const face of this.plan.interfaces)
      if (skipped.has(face.node)) continue;
      else if (stays(face.node, face.iface)) await this.freshSessions(face.node, face.iface);
      else await this.wgUp(face.node, face.iface);
  }

  /** Removes the peers of an interface that is up and adds them back: fresh sessions (see restartWireguard). */
  private async freshSessions(node: string, iface: string): Promise<void> {
    const live = await this.exec(node, ['wg', 'showconf', iface]);
    await this.sh(node, freshSessionsScript(iface, freshPeers(live.stdout, this.fileOf(node, iface))));
  }

  /** The wg-quick file the lab installed for a node's interface ('' when it has none). */
  private fileOf(node: string, iface: string): string {
    const endpoint = this.plan.endpoints.find((candidate) => candidate.name === node);
    return endpoint?.interfaces.find((face) => face.iface === iface)?.config ?? '';
  }

  /** Runs a shell snippet in a node. */
  sh(node: string, script: string, options: ExecOptions = {}): Promise<ExecResult> {
    return this.exec(node, ['sh', '-c', script], options);
  }

  /** A file's bytes from a node. */
  async readFile(node: string, path: string): Promise<Uint8Array> {
    const container = this.nodes.get(node);
    if (!container) throw new NodeCommandError(node, ['cat', path], -1, '', `no node ${node} in lab ${this.id}`);
    const archive = await this.engine.dockerode.getContainer(container.id).getArchive({ path });
    const chunks: Buffer[] = [];
    for await (const chunk of archive) chunks.push(chunk as Buffer);
    return firstTarEntry(Buffer.concat(chunks));
  }

  /** The WireGuard interfaces of a node, in bring-up order. */
  interfacesOf(node: string): string[] {
    const faces = this.plan.interfaces.filter((face) => face.node === node).map((face) => face.iface);
    return faces.length > 0 ? faces : ['wg0'];
  }

  /** `wg-quick up <iface>` on a node (every interface of the node when none is named), with the lab's WireGuard flavour. */
  async wgUp(node: string, iface?: string): Promise<void> {
    for (const face of iface ? [iface] : this.interfacesOf(node)) {
      const up = await this.exec(node, ['wg-quick', 'up', face], {
        env: wgQuickEnv(this.wireguard),
        allowFailure: true,
      });
      if (up.exitCode !== 0)
        throw new NodeCommandError(
          node,
          ['wg-quick', 'up', face],
          up.exitCode,
          up.stdout,
          up.stderr,
          wgUpHint(up.stderr),
        );
      this.wireguardUp.set(`${node}/${face}`, true);
    }
  }

  /** Whether an interface (wg0 unless named) is up on a node: known without asking when this lab brought it up or down. */
  async isWireguardUp(node: string, iface = 'wg0'): Promise<boolean> {
    const known = this.wireguardUp.get(`${node}/${iface}`);
    if (known !== undefined) return known;
    const up = (await this.exec(node, ['ip', 'link', 'show', iface], { allowFailure: true })).exitCode === 0;
    this.wireguardUp.set(`${node}/${iface}`, up);
    return up;
  }

  /**
   * `wg-quick down <iface>` on a node (every interface of the node that is up, last first, when none is named).
   * A PostDown that fails (a typo such as `-o bro`) makes wg-quick exit non-zero after it deleted the interface
   * (its `[#] ip link delete` line printed, the link gone):
   * that down happened, as it does on the user's machine, and what each failed hook said is returned, one line per
   * interface. While the interface is still there (a PreDown failed first), or wg-quick never got to delete it,
   * the failure is thrown.
   */
  async wgDown(node: string, iface?: string): Promise<string[]> {
    const failedHooks: string[] = [];
    for (const face of iface ? [iface] : [...this.interfacesOf(node)].reverse()) {
      if (!iface && !(await this.isWireguardUp(node, face))) continue;
      const down = await this.exec(node, ['wg-quick', 'down', face], {
        env: wgQuickEnv(this.wireguard),
        allowFailure: true,
      });
      if (down.exitCode !== 0) {
        const deleted =
          down.stderr.includes(`[#] ip link delete dev ${face}`) &&
          (await this.exec(node, ['ip', 'link', 'show', face], { allowFailure: true })).exitCode !== 0;
        if (!deleted)
          throw new NodeCommandError(
            node,
            ['wg-quick', 'down', face],
            down.exitCode,
            down.stdout,
            down.stderr,
            `look inside with: wglab exec --lab ${this.id} ${node} -- sh`,
          );
        failedHooks.push(`${face} on ${node}: ${downHookFailure(down.stderr, down.exitCode)}`);
      }
      this.wireguardUp.set(`${node}/${face}`, false);
    }
    return failedHooks;
  }

  /**
   * The down hooks that failed in the lab's own restarts since the last call (reconfigure, WireGuard's restart after
   * a fault, the revival after wireguard-killed), each with its interface, node and error, for the run to report.
   */
  takeDownHookFailures(): string[] {
    return this.downHookFailures.splice(0);
  }

  /**
   * Deletes a node's WireGuard interfaces that are up without wg-quick (no PreDown or PostDown ran, as after a
   * crash or `ip link del`); userspace WireGuard's process ends with its interface. Returns the interfaces killed.
   */
  async killWireguard(node: string): Promise<string[]> {
    const killed: string[] = [];
    for (const face of [...this.interfacesOf(node)].reverse()) {
      if (!(await this.isWireguardUp(node, face))) continue;
      await this.sh(
        node,
        // Its running settings (the fwmark wg-quick gave it included) are kept for reviveKilledWireguard.
        `wg showconf ${face} > /run/wglab-${face}.killed; ip link del dev ${face}; pkill -x -f 'wireguard-go ${face}' 2>/dev/null; rm -f /var/run/wireguard/${face}.sock; true`,
      );
      this.wireguardUp.set(`${node}/${face}`, false);
      killed.push(face);
    }
    return killed;
  }

  /**
   * Brings back what killWireguard left: a stand-in of each interface with the settings it ran with, then wg-quick
   * down on it, so its PreDown and PostDown hooks undo what PreUp and PostUp did (SaveConfig writes back the same).
   */
  async reviveKilledWireguard(node: string, interfaces: string[]): Promise<void> {
    const env = wgQuickEnv(this.wireguard);
    for (const face of interfaces) {
      const create =
        this.wireguard === 'kernel' ? `ip link add dev ${face} type wireguard` : `wireguard-go ${face} >/dev/null 2>&1`;
      await this.sh(node, `${create} && wg setconf ${face} /run/wglab-${face}.killed`, { env });
      this.wireguardUp.set(`${node}/${face}`, true);
      this.downHookFailures.push(...(await this.wgDown(node, face)));
    }
  }

  /** Installs each WireGuard endpoint's files as /etc/wireguard/<iface>.conf (mode 0600) and brings them up, listening ends first. */
  async startWireguard(): Promise<void> {
    await Promise.all(this.plan.endpoints.map((endpoint) => this.installWireguardFiles(endpoint.name)));
    await this.upInOrder(() => false);
  }

  /** A node's wg-quick files of the plan in /etc/wireguard (mode 0600); wg0.conf removed where it has none. */
  private async installWireguardFiles(node: string, plan: LabPlan = this.plan, before = ''): Promise<void> {
    const faces = plan.endpoints.find((endpoint) => endpoint.name === node)?.interfaces ?? [];
    if (faces.length === 0) await this.sh(node, `${before}\nrm -f /etc/wireguard/wg0.conf`);
    else
      await this.writeFiles(
        node,
        faces.map((face) => ({ content: face.config, target: `/etc/wireguard/${face.iface}.conf`, mode: 0o600 })),
        before,
      );
  }

  /**
   * Runs another scenario with the same endpoints (names, public IPs, served names) in this lab: WireGuard
   * down where its files change, the policy rules and iptables rules a config may have left there removed, the
   * new configs up. An endpoint whose files are the same, byte for byte, and up keeps its interfaces (and what
   * their hooks did), with fresh sessions, as a user who changes only the other end's file has it. The nodes that
   * change go down, are cleaned and get their new files side by side; then every end comes up (or gets fresh
   * sessions), listening ends first.
   */
  async reconfigure(plan: LabPlan): Promise<void> {
    if (!sameEndpoints(this.plan, plan))
      throw new Error(`lab ${this.id} has other endpoints than scenario ${plan.scenario.name}`);
    const kept = new Set<string>();
    for (const node of plan.wireguardOrder) {
      if (!this.plan.wireguardOrder.includes(node) || !sameWireguardFiles(this.plan, plan, node)) continue;
      const up = await Promise.all(this.interfacesOf(node).map((iface) => this.isWireguardUp(node, iface)));
      if (up.every(Boolean)) kept.add(node);
    }
    const previous = this.plan;
    // The old plan's files stay in place until each node's wg-quick down has run their down hooks.
    const next = { ...plan, id: this.id };
    await Promise.all(
      plan.endpoints.map(async ({ name: node }) => {
        if (kept.has(node)) return;
        // Then, in the same command as its new files, what its configs may have left: policy rules and iptables rules.
        const wasUp = previous.wireguardOrder.includes(node);
        if (wasUp) this.downHookFailures.push(...(await this.wgDown(node)));
        await this.installWireguardFiles(
          node,
          next,
          wasUp
            ? `for p in $(ip rule show | cut -d: -f1 | grep -vxE '0|32766|32767'); do ip rule del priority $p; done
iptables -t nat -F; iptables -F
if ip -6 rule show >/dev/null 2>&1; then for p in $(ip -6 rule show | cut -d: -f1 | grep -vxE '0|32766'); do ip -6 rule del priority $p; done; ip6tables -t nat -F; ip6tables -F; fi`
            : '',
        );
      }),
    );
    this.currentPlan = next;
    this.restartPending = false; // WireGuard starts afresh below
    // Listening ends first, kept ones included: a kept dialer's fresh sessions (its keepalive's handshake) must
    // find the listener up, or WireGuard retries only 5 s later.
    await this.upInOrder((node) => kept.has(node));
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

/**
 * What to do when `wg-quick up` failed: the step it printed last is the one that failed (wg-quick then deletes the
 * interface); a known cause is named. lint and explain read the files without a lab.
 */
export function wgUpHint(stderr: string): string {
  const mtu = /\[#\] ip link set mtu (\d+) up/.exec(stderr);
  const belowIpv6 =
    mtu !== null && Number(mtu[1]) < ipv6MinimumMtu && /\[#\] ip -6 route add[^\n]*\n[^\n]*No such device/.test(stderr);
  return [
    belowIpv6
      ? `its MTU ${mtu[1]} is below IPv6's minimum of ${ipv6MinimumMtu}: Linux turned IPv6 off on the interface, so the IPv6 route could not be added; set \`MTU = ${ipv6MinimumMtu}\` or more in that file (without one, wg-quick takes the route MTU less 80), or keep IPv6 out of it`
      : 'the step wg-quick printed last is the one that failed, and wg-quick deleted the interface after it',
    'wglab lint and wglab explain read the files without a lab',
  ].join('; ');
}

/** What a down hook that failed said: the hook wg-quick ran last (its `[#]` line) and the error after it. */
export function downHookFailure(stderr: string, exitCode: number): string {
  const lines = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const last = lines.findLastIndex((line) => line.startsWith('[#] '));
  const hook = last >= 0 ? lines[last]!.slice(4) : undefined;
  const said = (last >= 0 ? lines.slice(last + 1) : lines).join(' ');
  return `wg-quick down deleted the interface, then a down hook failed (exit ${exitCode})${hook ? `: \`${hook}\`` : ''}${said ? `: ${said}` : ''}`;
}

/** The content of the first file in a tar archive (Docker's archive API returns one). */
function firstTarEntry(tar: Buffer): Uint8Array {
  const size = parseInt(tar.subarray(124, 136).toString('latin1').replace(/\0/g, '').trim(), 8);
  return new Uint8Array(tar.subarray(512, 512 + (Number.isFinite(size) ? size : 0)));
}

/**
 * Whether two plans need the same lab: the same endpoints (public IPs, served names, web servers, LANs, files), LAN
 * hosts, names, link conditions, router behaviour and scenario sysctls.
 */
/** Whether a node's wg-quick files are the same, byte for byte, in two plans: a reconfigure keeps such an end up. */
export function sameWireguardFiles(a: LabPlan, b: LabPlan, node: string): boolean {
  const filesOf = (plan: LabPlan) =>
    JSON.stringify(plan.endpoints.find((endpoint) => endpoint.name === node)?.interfaces ?? []);
  return filesOf(a) === filesOf(b);
}

export function sameEndpoints(a: LabPlan, b: LabPlan): boolean {
  const shape = (plan: LabPlan) =>
    JSON.stringify([
      plan.endpoints.map((endpoint) => [
        endpoint.name,
        endpoint.publicIps,
        endpoint.serves ?? null,
        endpoint.web,
        endpoint.lan ?? null,
        endpoint.files,
        endpoint.nat ?? null,
      ]),
      plan.lanHosts,
      plan.hosts,
      plan.ipv6,
      // What bring-up alone sets: link conditions, the router's behaviour, the scenario's sysctls.
      plan.links.map((link) => [link.endpoint, link.kind, link.conditions]),
      plan.internet,
      plan.nodes.map((node) => [node.name, node.kind, node.sysctls, node.scenarioSysctls]),
      // The servers bring-up starts: web bodies, listeners, ping logs, resolvers.
      plan.web,
      plan.listeners,
      plan.pingTargets,
      plan.resolvers,
    ]);
  return shape(a) === shape(b);
}
