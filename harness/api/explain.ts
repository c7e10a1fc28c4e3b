import { readFileSync } from 'node:fs';
import { planLab, type LabPlan } from '../lab/lab-plan.ts';
import { sameAddress } from '../net/ip.ts';
import type { ModelInput } from '../explain/lab-network.ts';
import { predictChecks, type CheckPrediction, type Prediction } from '../explain/predict-checks.ts';
import type { Step } from '../routing/flow.ts';
import { loadScenario } from '../wgconf/load-scenario.ts';
import type { Check, Scenario } from '../scenario/scenario.ts';

/** One check's prediction, keyed by scenario name and 1-based index (as `wglab run` numbers checks). */
export interface ExplainedCheck {
  scenario: string;
  index: number;
  predicted: Prediction;
  /** The chain of decisions that gives the prediction, in order. */
  why: string[];
}

/** What `wglab explain --json` prints. */
export interface ExplainResult {
  checks: ExplainedCheck[];
}

/** A prediction against the check's `expect`: agrees, contradicts (and from which step), or neither. */
export interface CheckComparison {
  explained: ExplainedCheck;
  check: Check;
  verdict: 'agrees' | 'contradicts' | 'unknown' | 'no-expect';
  /** For a contradiction: the step (1-based, in `why`) where the prediction parts from the expectation. */
  partsAt?: { step: number; text: string; what: string };
  reason?: string;
}

/**
 * Predicts every check of the scenarios (files or loaded ones) with the routing model, without a lab: each
 * outcome, its source IP, and the chain of rules, routes, peers and NATs that decides it.
 */
export function explain(
  scenarios: string | Scenario | (string | Scenario)[],
  options: ExplainOptions = {},
): ExplainResult {
  return { checks: explainScenarios(scenarios, options).map((comparison) => comparison.explained) };
}

export interface ExplainOptions {
  /**
   * Which WireGuard the lab would run: where it decides an outcome (whether a router may fragment WireGuard's
   * outer IPv4 packets), the prediction is `unknown` without it.
   */
  wireguard?: 'kernel' | 'userspace';
}

/** explain(), with each prediction compared with its check's `expect` (what the CLI prints). */
export function explainScenarios(
  scenarios: string | Scenario | (string | Scenario)[],
  options: ExplainOptions = {},
): CheckComparison[] {
  const list = Array.isArray(scenarios) ? scenarios : [scenarios];
  const loaded = list.map((item) => (typeof item === 'string' ? loadScenario(item) : item));
  return loaded.flatMap((scenario) =>
    predictChecks({ ...modelInput(scenario), ...options }).map((prediction) => compare(scenario.name, prediction)),
  );
}

/**
 * The model's prediction of each check of a planned scenario (0-based, in file order), from the plan's own files:
 * what a run puts beside each observation. A model that cannot read the scenario predicts `unknown`, never throws.
 */
export function predictPlan(plan: LabPlan, wireguard?: 'kernel' | 'userspace'): Prediction[] {
  try {
    return predictChecks({ ...modelInput(plan.scenario, plan), ...(wireguard ? { wireguard } : {}) }).map(
      (prediction) => prediction.predicted,
    );
  } catch {
    return plan.scenario.checks.map(() => ({ path: 'unknown' as const }));
  }
}

/** The model's input for a scenario: the lab's plan, the wg-quick files it installs, and its files: read. */
export function modelInput(
  scenario: Scenario,
  plan: LabPlan = planLab(scenario, { id: `explain-${scenario.name}` }),
): ModelInput {
  const configs = plan.configs;
  const nodeFiles: ModelInput['nodeFiles'] = {};
  for (const endpoint of Object.values(scenario.endpoints)) {
    nodeFiles[endpoint.name] = Object.fromEntries(
      Object.entries(endpoint.files).map(([target, source]) => [target, readable(source)]),
    );
  }
  return { plan, configs, nodeFiles };
}

function readable(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function compare(scenario: string, prediction: CheckPrediction): CheckComparison {
  const explained: ExplainedCheck = {
    scenario,
    index: prediction.index,
    predicted: prediction.predicted,
    why: prediction.steps.map((step) => step.text),
  };
  const base = { explained, check: prediction.check, ...(prediction.reason ? { reason: prediction.reason } : {}) };
  const expect = prediction.check.expect;
  if (prediction.predicted.path === 'unknown') return { ...base, verdict: 'unknown' };
  if (!expect) return { ...base, verdict: 'no-expect' };
  const predicted = prediction.predicted;
  const pathDiffers = expect.path !== predicted.path;
  const sourceDiffers =
    !pathDiffers &&
    expect.sourceIp !== undefined &&
    (predicted.sourceIp === undefined || !sameAddress(expect.sourceIp, predicted.sourceIp));
  const resolverDiffers =
    !pathDiffers && !sourceDiffers && expect.resolver !== undefined && predicted.resolver !== expect.resolver;
  const stallsDiffers =
    !pathDiffers &&
    !sourceDiffers &&
    !resolverDiffers &&
    prediction.check.bytes !== undefined &&
    (expect.stalls ?? false) !== (predicted.stalls ?? false);
  if (!pathDiffers && !sourceDiffers && !resolverDiffers && !stallsDiffers) return { ...base, verdict: 'agrees' };
  const at = partingStep(prediction.steps, expect.path, predicted.path, pathDiffers, stallsDiffers);
  const what = pathDiffers
    ? `expected ${expect.path}, predicted ${predicted.path}`
    : sourceDiffers
      ? `expected the server to log ${expect.sourceIp}, predicted ${predicted.sourceIp}`
      : resolverDiffers
        ? `expected the resolver of ${expect.resolver} to answer, predicted ${predicted.resolver ?? 'none'}`
        : expect.stalls
          ? 'expected the transfer to stall, predicted it completes'
          : 'expected the transfer to complete, predicted it stalls';
  return { ...base, verdict: 'contradicts', partsAt: { step: at + 1, text: prediction.steps[at]?.text ?? '', what } };
}

/** The step where the prediction leaves the expected way: where it enters or misses the tunnel, drops, or changes the source. */
function partingStep(
  steps: Step[],
  expected: string,
  predicted: string,
  pathDiffers: boolean,
  stallsDiffers: boolean,
): number {
  const request = steps.filter((step) => !step.reply);
  const find = (test: (step: Step) => boolean, list: Step[] = steps) => {
    const found = list.find(test);
    return found ? steps.indexOf(found) : -1;
  };
  let at = -1;
  const stall = steps.findIndex((step) => step.kind === 'drop' && step.text.startsWith('stalls: '));
  if (stallsDiffers && stall >= 0) at = stall;
  else if (!pathDiffers) {
    const nats = request.filter((step) => step.kind === 'nat');
    at = nats.length > 0 ? steps.indexOf(nats.at(-1)!) : find((step) => step.kind === 'route', request);
  } else if (predicted === 'none') at = find((step) => step.kind === 'drop');
  else if (expected === 'none') at = find((step) => step.kind === 'deliver');
  else if (predicted === 'tunnel') at = find((step) => step.kind === 'wireguard');
  else {
    const internet = find((step) => step.kind === 'internet', request);
    const routes = steps.slice(0, internet < 0 ? steps.length : internet).filter((step) => step.kind === 'route');
    at = routes.length > 0 ? steps.indexOf(routes.at(-1)!) : internet;
  }
  return at < 0 ? steps.length - 1 : at;
}
