import { WglabError } from '../errors.ts';
import { applyFault } from '../lab/faults.ts';
import type { ExecOptions, ExecResult, Lab } from '../lab/lab.ts';
import { startLab as startLabNodes, type StartLabOptions } from '../lab/start-lab.ts';
import type { WireguardFlavour } from '../lab/wireguard-flavour.ts';
import { faults, type Expectation, type Fault, type Scenario } from '../scenario/scenario.ts';
import { validateScenario } from '../scenario/validate-scenario.ts';
import { runCheck } from '../verify/run-check.ts';
import type { Evidence } from '../verify/verdict.ts';

/** One request to make in a lab, as a scenario check writes it (without `fault`: use `lab.fault`). */
export interface CheckRequest {
  from: string;
  url: string;
  insecure?: boolean;
  expect?: Expectation;
}

/** What a request did: the path it took, the source IP the server logged, and the evidence behind them. */
export interface CheckOutcome {
  from: string;
  url: string;
  observed: {
    path: 'tunnel' | 'internet' | 'none' | 'both' | 'unclear';
    sourceIp: string | null;
    httpStatus: number | null;
  };
  /** Given only when the request carried `expect`. */
  expected?: Expectation;
  pass?: boolean;
  /** Why it failed (with `expect`), in words that name the evidence. */
  reasons?: string[];
  /** What each capture point saw of the request, one line each. */
  seen: string[];
  evidence: Evidence;
}

/** A fault in effect until `undo()` (or the end of an `await using` block). */
export interface ActiveFault extends AsyncDisposable {
  kind: Fault;
  description: string;
  undo(): Promise<void>;
}

/**
 * A running lab for a scenario, to drive by hand from a test: requests, faults, commands in nodes.
 * `await using lab = await startLab(scenario)` tears it down at the end of the block.
 */
export class WglabLab implements AsyncDisposable {
  readonly id: string;
  readonly wireguard: WireguardFlavour;
  private requests = 0;

  constructor(private readonly lab: Lab) {
    this.id = lab.id;
    this.wireguard = lab.wireguard;
  }

  get scenario(): Scenario {
    return this.lab.scenario;
  }

  /** The lab's node names: the scenario's endpoints and `internet`, the router. */
  get nodes(): string[] {
    return [...this.lab.nodes.keys()];
  }

  /** Sends one request and decides its path and source IP from the access log and packet captures. */
  async check(request: CheckRequest): Promise<CheckOutcome> {
    const check = {
      from: request.from,
      url: request.url,
      insecure: request.insecure ?? false,
      ...(request.expect ? { expect: request.expect } : {}),
    };
    const problems = validateScenario(
      { ...this.lab.scenario, configs: undefined, tunnel: undefined, checks: [check] },
      { fileExists: () => true },
    );
    if (problems.length > 0)
      throw new WglabError(
        `lab.check: ${problems.map((problem) => `${problem.path.slice(2).join('.') || 'check'}: ${problem.message}`).join('; ')}`,
        { hint: problems[0]!.hint },
      );
    const result = await runCheck(this.lab, check, this.requests++);
    const observed = {
      path: result.verdict.observed.path,
      sourceIp: result.verdict.observed.sourceIp ?? null,
      httpStatus: result.verdict.observed.httpStatus ?? null,
    };
    return {
      from: request.from,
      url: request.url,
      observed,
      ...(request.expect
        ? { expected: request.expect, pass: result.verdict.pass, reasons: result.verdict.reasons }
        : {}),
      seen: result.verdict.seen,
      evidence: result.evidence,
    };
  }

  /** Applies a fault as a scenario check's `fault` and `from` would (tunnel-down, peer-down, wireguard-blocked, wireguard-killed). */
  async fault(kind: Fault, from: string): Promise<ActiveFault> {
    if (!(faults as readonly string[]).includes(kind))
      throw new WglabError(`lab.fault: "${String(kind)}" is not one of: ${faults.join(', ')}`, {
        hint: "e.g. lab.fault('tunnel-down', 'A')",
      });
    const ends = this.lab.plan.wireguardOrder;
    if (ends.length === 0)
      throw new WglabError(`lab.fault: fault ${kind} needs a tunnel, and scenario ${this.lab.scenario.name} has none`, {
        hint: 'add tunnel: or configs: to the scenario',
      });
    if (kind !== 'wireguard-blocked' && !ends.includes(from))
      throw new WglabError(`lab.fault: ${kind} acts on the tunnel end the request comes from, but ${from} is not one`, {
        hint: `use ${ends.join(' or ')}`,
      });
    const applied = await applyFault(this.lab, { fault: kind, from });
    let undone: Promise<void> | undefined;
    const undo = () => {
      undone ??= applied.undo();
      return undone;
    };
    return { kind, description: applied.description, undo, [Symbol.asyncDispose]: undo };
  }

  /** Runs a command in a node (`A`, `B`, `internet`, ...); a non-zero exit throws unless `allowFailure`. */
  exec(node: string, argv: string[], options?: ExecOptions): Promise<ExecResult> {
    return this.lab.exec(node, argv, options);
  }

  /** `wg-quick up wg0` on a node, with the lab's WireGuard flavour. */
  wgUp(node: string): Promise<void> {
    return this.lab.wgUp(node);
  }

  /**
   * `wg-quick down` on a node's WireGuard interfaces. Returns what each down hook that failed after wg-quick deleted
   * its interface said (a PostDown typo): empty when every hook ran.
   */
  wgDown(node: string): Promise<string[]> {
    return this.lab.wgDown(node);
  }

  /** Removes every container and network of the lab; safe to call more than once. */
  stop(): Promise<void> {
    return this.lab.down();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

/** Starts a scenario's lab (its checks are not run) for a test to drive; stop it, or use `await using`. */
export async function startLab(scenario: Scenario, options: Pick<StartLabOptions, 'progress'> = {}): Promise<WglabLab> {
  return new WglabLab(await startLabNodes(scenario, { progress: options.progress }));
}
