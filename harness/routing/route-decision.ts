import type { Flow } from './flow.ts';
import { describeRule, ruleMatches, type PolicyRule } from './policy-rule.ts';
import { describeRoute, lookupTable, type Route } from './route-table.ts';

export type RouteDecision =
  | { kind: 'route'; route: Route; rule: PolicyRule; notes: string[] }
  | {
      kind: 'fail';
      /** `unreachable` also when no rule finds a route (the kernel's "Network is unreachable"). */
      error: 'unreachable' | 'blackhole' | 'prohibit';
      reason: string;
      rule?: PolicyRule;
      notes: string[];
    };

/**
 * The kernel's policy routing: rules in priority order (equal priorities in the order added); a matching rule's
 * table gives a route, or nothing (then the next rule); `suppress_prefixlength N` refuses a route of prefix N or
 * shorter; `throw` goes on to the next rule; blackhole, unreachable and prohibit end the lookup.
 * `notes` tells, for rules a user added, where a lookup fell through.
 */
export function decideRoute(rules: readonly PolicyRule[], routes: readonly Route[], flow: Flow): RouteDecision {
  // Array.prototype.sort is stable: rules of equal priority keep the order they were added in.
  const ordered = [...rules].sort((a, b) => a.priority - b.priority);
  const notes: string[] = [];
  /** After a goto, rules below its target are skipped (priorities only grow, so no reset is needed). */
  let skipBelow = -1;
  for (const rule of ordered) {
    if (rule.priority < skipBelow) continue;
    if (!ruleMatches(rule, flow)) continue;
    const action = rule.action;
    if (action.kind === 'nop') continue;
    if (action.kind === 'goto') {
      skipBelow = action.priority;
      continue;
    }
    if (action.kind !== 'lookup')
      return { kind: 'fail', error: action.kind, reason: `${describeRule(rule)}`, rule, notes };
    const route = lookupTable(routes, action.table, flow.dst);
    const userRule = rule.origin !== 'kernel';
    if (route === undefined) {
      if (userRule) notes.push(`${describeRule(rule)}: table ${action.table} has no route, on to the next rule`);
      continue;
    }
    if (route.type === 'throw') {
      if (userRule) notes.push(`${describeRule(rule)}: ${describeRoute(route)}, on to the next rule`);
      continue;
    }
    if (route.destination.prefix <= (rule.suppressPrefixlength ?? -1)) {
      notes.push(`${describeRule(rule)}: ${describeRoute(route)} suppressed`);
      continue;
    }
    if (route.type === 'blackhole' || route.type === 'unreachable' || route.type === 'prohibit')
      return {
        kind: 'fail',
        error: route.type,
        reason: `${describeRule(rule)} → ${describeRoute(route)}`,
        rule,
        notes,
      };
    return { kind: 'route', route, rule, notes };
  }
  return { kind: 'fail', error: 'unreachable', reason: `no rule finds a route to ${flow.dst}`, notes };
}
