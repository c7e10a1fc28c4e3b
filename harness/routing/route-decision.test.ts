import test from 'ava';
import type { Flow } from './flow.ts';
import { kernelRules, readIpRule, type PolicyRule } from './policy-rule.ts';
import { decideRoute } from './route-decision.ts';
import { readIpRoute, type Route } from './route-table.ts';

const flow = (fields: Partial<Flow> = {}): Flow => ({
  family: 4,
  dst: '203.0.113.2',
  protocol: 'udp',
  sport: 51821,
  dport: 51822,
  mark: 0,
  iif: 'lo',
  ...fields,
});
const rules = (...lines: string[]): PolicyRule[] => {
  const list = kernelRules(4);
  for (const line of lines) {
    const read = readIpRule(line.split(' '), 4, list, `line ${list.length}`);
    if ('unreadable' in read) throw new Error(read.unreadable);
    list.push(read);
  }
  return list;
};
const routes = (...lines: string[]): Route[] =>
  lines.map((line) => {
    const read = readIpRoute(line.split(' '), 4, 'test');
    if ('unreadable' in read) throw new Error(read.unreadable);
    return read;
  });
const base = routes('default via 169.254.0.1 dev eth0', '203.0.113.2 dev wg0 table 123');
const via = (decision: ReturnType<typeof decideRoute>) =>
  decision.kind === 'route' ? `${decision.rule.priority} ${decision.route.dev}` : `${decision.kind} ${decision.error}`;

test("the article's rules: the dport rule at 455 sends WireGuard's own packets through main, 456 the rest into 123", (t) => {
  const article = rules('to 203.0.113.2 dport 51822 table main priority 455', 'to 203.0.113.2 table 123 priority 456');
  t.is(via(decideRoute(article, base, flow())), '455 eth0');
  t.is(via(decideRoute(article, base, flow({ protocol: 'tcp', dport: 443 }))), '456 wg0');
  const swapped = rules('to 203.0.113.2 dport 51822 table main priority 456', 'to 203.0.113.2 table 123 priority 455');
  t.is(via(decideRoute(swapped, base, flow())), '455 wg0');
});

test('rules run in priority order; equal priorities in the order added', (t) => {
  const equal = rules('to 203.0.113.2 table 7 priority 100', 'to 203.0.113.2 table 123 priority 100');
  const both = [...base, ...routes('203.0.113.2 dev wg7 table 7')];
  t.is(via(decideRoute(equal, both, flow())), '100 wg7');
  const later = rules('to 203.0.113.2 table 7 priority 101', 'to 203.0.113.2 table 123 priority 100');
  t.is(via(decideRoute(later, both, flow())), '100 wg0');
});

test('a table without a route, or with throw, goes on to the next rule, and says so for a rule a user added', (t) => {
  const decision = decideRoute(rules('to 203.0.113.2 table 124 priority 456'), base, flow());
  t.is(via(decision), '32766 eth0');
  t.deepEqual(decision.notes, ['rule 456 to 203.0.113.2 lookup 124: table 124 has no route, on to the next rule']);
  const thrown = decideRoute(
    rules('table 9 priority 10'),
    [...base, ...routes('throw 203.0.113.0/24 table 9')],
    flow(),
  );
  t.is(via(thrown), '32766 eth0');
  t.regex(thrown.notes[0]!, /throw 203\.0\.113\.0\/24 table 9, on to the next rule/);
  t.deepEqual(decideRoute(kernelRules(4), base, flow()).notes, [], 'kernel rules say nothing');
  const kernelThrow = decideRoute(kernelRules(4), [...routes('throw 203.0.113.0/24'), ...base], flow());
  t.deepEqual(kernelThrow.notes, [], 'nor when main throws');
  t.is(via(kernelThrow), 'fail unreachable', 'main threw and default is empty');
});

test('suppress_prefixlength N refuses routes of prefix N or shorter, not longer ones', (t) => {
  const suppress = (n: number, prefix: number) =>
    via(
      decideRoute(
        rules(`table main suppress_prefixlength ${n} priority 10`, 'table 9 priority 20'),
        [...routes(`203.0.113.0/${prefix} dev eth1`, 'default dev wg9 table 9')],
        flow(),
      ),
    );
  t.is(suppress(0, 0), '20 wg9');
  const noted = decideRoute(
    rules('table main suppress_prefixlength 0 priority 10', 'table 9 priority 20'),
    routes('default via 169.254.0.1 dev eth0', 'default dev wg9 table 9'),
    flow(),
  );
  t.deepEqual(noted.notes, [
    'rule 10 lookup main suppress_prefixlength 0: default via 169.254.0.1 dev eth0 suppressed',
  ]);
  t.is(suppress(24, 24), '20 wg9');
  t.is(suppress(23, 24), '10 eth1');
  t.is(suppress(25, 24), '20 wg9');
});

test("wg-quick's full tunnel: its own marked packets go through main, everything else into 51820", (t) => {
  const fullTunnel = rules('not fwmark 51820 table 51820', 'table main suppress_prefixlength 0');
  const tables = routes('default via 169.254.0.1 dev eth0', 'default dev wg0 table 51820', '10.0.0.0/24 dev wg0');
  t.is(via(decideRoute(fullTunnel, tables, flow({ mark: 51820 }))), '32766 eth0');
  t.is(via(decideRoute(fullTunnel, tables, flow())), '32765 wg0');
  t.is(via(decideRoute(fullTunnel, tables, flow({ dst: '10.0.0.7' }))), '32764 wg0', 'a more specific route in main');
});

test('blackhole, unreachable and prohibit end the lookup, as rules and as routes; no route at all is unreachable', (t) => {
  const rule = (action: string) => decideRoute(rules(`to 203.0.113.2 ${action} priority 5`), base, flow());
  t.is(via(rule('blackhole')), 'fail blackhole');
  t.is(via(rule('unreachable')), 'fail unreachable');
  t.is(via(rule('prohibit')), 'fail prohibit');
  for (const type of ['blackhole', 'unreachable', 'prohibit']) {
    const decision = decideRoute(
      rules('table 5 priority 5'),
      [...base, ...routes(`${type} 203.0.113.0/24 table 5`)],
      flow(),
    );
    t.is(via(decision), `fail ${type}`);
    t.regex(decision.kind === 'fail' ? decision.reason : '', /rule 5 lookup 5 → /);
  }
  const nowhere = decideRoute(kernelRules(4), routes('10.0.0.0/8 dev eth1'), flow());
  t.is(via(nowhere), 'fail unreachable');
  t.regex(nowhere.kind === 'fail' ? nowhere.reason : '', /no rule finds a route to 203\.0\.113\.2/);
});

test('rule 0 looks up local first: an own address is delivered locally whatever comes later', (t) => {
  const local = routes('local 198.51.100.1 table local');
  const decision = decideRoute(
    rules('to 198.51.100.1 blackhole priority 1'),
    [...local, ...base],
    flow({ dst: '198.51.100.1' }),
  );
  t.is(decision.kind === 'route' ? `${decision.rule.priority} ${decision.route.type}` : decision.kind, '0 local');
});

test('goto skips to the first rule at or after its target; nop does nothing; a rule of the other family never applies', (t) => {
  const jump = rules(
    'goto 300 priority 10',
    'to 203.0.113.2 blackhole priority 200',
    'to 203.0.113.2 table 123 priority 300',
  );
  t.is(via(decideRoute(jump, base, flow())), '300 wg0');
  const past = rules(
    'goto 250 priority 10',
    'to 203.0.113.2 blackhole priority 200',
    'to 203.0.113.2 table 123 priority 300',
  );
  t.is(via(decideRoute(past, base, flow())), '300 wg0');
  t.is(via(decideRoute(rules('nop priority 1'), base, flow())), '32766 eth0');
  const six = readIpRule('to ::/0 blackhole priority 1'.split(' '), 6, [], 'test') as PolicyRule;
  t.is(via(decideRoute([...kernelRules(4), six], base, flow())), '32766 eth0');
});
