import test from 'ava';
import type { Engine } from './engine.ts';
import {
  isGone,
  isTransient,
  labLabels,
  labsToPrune,
  listLabs,
  orphanNetworkSeconds,
  ownerIsGone,
  pruneLabs,
  removeLab,
  type LabSummary,
} from './lab-resources.ts';
import { hostname } from 'node:os';

/** A fake engine: containers and networks of one lab, each removal scripted (an error, or success). */
function fakeEngine(
  state: { containers: string[]; networks: string[]; volumes?: string[] },
  failures: Record<string, unknown[]> = {},
) {
  const calls: string[] = [];
  const remove = (kind: string, list: string[], id: string) => async () => {
    calls.push(`remove ${kind} ${id}`);
    const failure = failures[id]?.shift();
    if (failure !== undefined) throw failure;
    const at = list.indexOf(id);
    if (at < 0) throw Object.assign(new Error(`no such ${kind}`), { statusCode: 404 });
    list.splice(at, 1);
  };
  const engine = {
    dockerode: {
      listContainers: async () => state.containers.map((Id) => ({ Id })),
      listNetworks: async () => state.networks.map((Id) => ({ Id })),
      listVolumes: async () => ({ Volumes: (state.volumes ?? []).map((Name) => ({ Name })) }),
      getContainer: (id: string) => ({ remove: remove('container', state.containers, id) }),
      getNetwork: (id: string) => ({ remove: remove('network', state.networks, id) }),
      getVolume: (id: string) => ({ remove: remove('volume', state.volumes ?? [], id) }),
    },
  } as unknown as Engine;
  return { engine, calls };
}

const activeEndpoints = Object.assign(
  new Error('error while removing network: network wglab-x-A id 1 has active endpoints'),
  { statusCode: 403 },
);

test('removeLab removes containers before networks and volumes, and leaves nothing', async (t) => {
  const state = { containers: ['c1', 'c2'], networks: ['n1'], volumes: ['v1'] };
  const { engine, calls } = fakeEngine(state);
  await removeLab(engine, 'x', { pauseMs: 0 });
  t.deepEqual(state, { containers: [], networks: [], volumes: [] });
  t.deepEqual(calls, ['remove container c1', 'remove container c2', 'remove network n1', 'remove volume v1']);
});

test('removeLab retries a network that still has active endpoints', async (t) => {
  const state = { containers: ['c1'], networks: ['n1'] };
  const { engine, calls } = fakeEngine(state, { n1: [activeEndpoints, activeEndpoints] });
  await removeLab(engine, 'x', { pauseMs: 0 });
  t.deepEqual(state.networks, []);
  t.is(calls.filter((call) => call === 'remove network n1').length, 3);
});

test('removeLab retries a container whose removal is already in progress (409)', async (t) => {
  const state = { containers: ['c1'], networks: [] };
  const { engine } = fakeEngine(state, {
    c1: [Object.assign(new Error('removal of container c1 is already in progress'), { statusCode: 409 })],
  });
  await removeLab(engine, 'x', { pauseMs: 0 });
  t.deepEqual(state.containers, []);
});

test('removeLab ignores what is already gone (404)', async (t) => {
  const state = { containers: ['c1'], networks: ['n1'] };
  const { engine } = fakeEngine(state, { c1: [Object.assign(new Error('no such container'), { statusCode: 404 })] });
  await removeLab(engine, 'x', { pauseMs: 0 });
  t.deepEqual(state.networks, []);
});

test('removeLab throws a lasting refusal at once, and a transient one when attempts run out', async (t) => {
  const lasting = Object.assign(new Error('engine broke'), { statusCode: 500 });
  const once = fakeEngine({ containers: [], networks: ['n1'] }, { n1: [lasting] });
  t.is(await t.throwsAsync(removeLab(once.engine, 'x', { pauseMs: 0 })), lasting);
  t.is(once.calls.length, 1);
  const stuck = fakeEngine({ containers: [], networks: ['n1'] }, { n1: Array(5).fill(activeEndpoints) });
  t.is(await t.throwsAsync(removeLab(stuck.engine, 'x', { attempts: 3, pauseMs: 0 })), activeEndpoints);
  t.is(stuck.calls.length, 3);
});

test('transient and gone refusals', (t) => {
  t.true(isGone({ statusCode: 404 }));
  t.false(isGone({ statusCode: 409 }));
  t.false(isGone(undefined));
  t.true(isTransient({ statusCode: 409 }));
  t.true(isTransient(activeEndpoints));
  t.true(isTransient({ statusCode: 500, message: 'removal of container x is already in progress' }));
  t.false(isTransient({ statusCode: 500, message: 'no space left' }));
  t.false(isTransient(undefined));
});

const lab = (over: Partial<LabSummary>): LabSummary => ({
  id: 'wglab-x',
  scenario: 's',
  owner: 'detached',
  containers: [],
  networks: [],
  ...over,
});
const container = { name: 'c', node: 'A', state: 'running' };

test('prune takes labs whose owner is gone, and leftover networks older than a bring-up', (t) => {
  const now = 1_000_000_000;
  const labs = [
    lab({ id: 'gone', owner: 'h:1', containers: [container] }),
    lab({ id: 'alive', owner: 'h:2', containers: [container], networks: ['n'], newestNetwork: now - 3_600_000 }),
    lab({ id: 'detached', containers: [container] }),
    lab({ id: 'orphan', owner: 'h:2', networks: ['n'], newestNetwork: now - orphanNetworkSeconds * 1000 - 1 }),
    lab({ id: 'starting', owner: 'h:2', networks: ['n'], newestNetwork: now - orphanNetworkSeconds * 1000 }),
    lab({ id: 'undated', owner: 'h:2', networks: ['n'] }),
  ];
  const ownerGone = (owner: string) => owner === 'h:1';
  t.deepEqual(
    labsToPrune(labs, { now, ownerGone }).map((found) => found.id),
    ['gone', 'orphan'],
  );
  t.deepEqual(
    labsToPrune(labs, { now, ownerGone, all: true }).map((found) => found.id),
    labs.map((found) => found.id),
  );
});

test('an owner is gone only when its process is, on this host', (t) => {
  t.false(ownerIsGone('detached'));
  t.false(ownerIsGone(`${hostname()}:${process.pid}`));
  t.false(ownerIsGone(`another-host:999999`));
  t.true(ownerIsGone(`${hostname()}:99999999`));
});

/** A fake engine holding labelled containers and networks of several labs; records what it was asked. */
function labelledEngine() {
  const asked: { call: string; options: unknown }[] = [];
  const containers = [
    {
      Id: 'c1',
      Names: ['/wglab-b-1-A'],
      State: 'running',
      Labels: { 'wglab.lab': 'wglab-b-1', 'wglab.owner': 'h:1', 'wglab.scenario': 'b', 'wglab.node': 'A' },
    },
    { Id: 'c2', Names: [], State: 'exited', Labels: { 'wglab.lab': 'wglab-b-1' } },
    {
      Id: 'c3',
      Names: ['/wglab-a-2-B'],
      State: 'running',
      Labels: { 'wglab.lab': 'wglab-a-2', 'wglab.owner': 'detached', 'wglab.scenario': 'a', 'wglab.node': 'B' },
    },
  ];
  const networks = [
    { Id: 'n1', Name: 'wglab-b-1-A', Created: '2026-11-25T10:00:00Z', Labels: { 'wglab.lab': 'wglab-b-1' } },
    { Id: 'n2', Name: 'wglab-b-1-B', Created: '2026-11-25T11:00:00Z', Labels: { 'wglab.lab': 'wglab-b-1' } },
    {
      Id: 'n3',
      Name: 'wglab-c-3-A',
      Created: 'not a date',
      Labels: { 'wglab.lab': 'wglab-c-3', 'wglab.owner': 'h:2', 'wglab.scenario': 'c' },
    },
  ];
  const removed: string[] = [];
  const labOf = (filters: string) => /wglab\.lab=([^"]+)/.exec(filters)?.[1];
  const engine = {
    dockerode: {
      listContainers: async (options: { filters: string }) => {
        asked.push({ call: 'listContainers', options });
        const lab = labOf(options.filters);
        return containers.filter(
          (container) => !removed.includes(container.Id) && (!lab || container.Labels['wglab.lab'] === lab),
        );
      },
      listNetworks: async (options: { filters: string }) => {
        asked.push({ call: 'listNetworks', options });
        const lab = labOf(options.filters);
        return networks.filter(
          (network) => !removed.includes(network.Id) && (!lab || network.Labels['wglab.lab'] === lab),
        );
      },
      listVolumes: async () => ({ Volumes: [] }),
      getContainer: (id: string) => ({
        remove: async (options: unknown) => {
          asked.push({ call: `remove ${id}`, options });
          removed.push(id);
        },
      }),
      getNetwork: (id: string) => ({
        remove: async () => {
          removed.push(id);
        },
      }),
      getVolume: () => ({ remove: async () => undefined }),
    },
  } as unknown as Engine;
  return { engine, asked, removed };
}

test('listLabs groups containers and networks by lab label, with names, nodes, owners and the newest network', async (t) => {
  const { engine, asked } = labelledEngine();
  const labs = await listLabs(engine);
  t.deepEqual(
    labs.map((found) => found.id),
    ['wglab-a-2', 'wglab-b-1', 'wglab-c-3'],
  );
  const b = labs[1]!;
  t.deepEqual(b, {
    id: 'wglab-b-1',
    scenario: 'b',
    owner: 'h:1',
    containers: [
      { name: 'wglab-b-1-A', node: 'A', state: 'running' },
      { name: 'c2', node: '?', state: 'exited' },
    ],
    networks: ['wglab-b-1-A', 'wglab-b-1-B'],
    newestNetwork: Date.parse('2026-11-25T11:00:00Z'),
  });
  t.deepEqual(
    labs[2],
    { id: 'wglab-c-3', scenario: 'c', owner: 'h:2', containers: [], networks: ['wglab-c-3-A'] },
    'a network without a date has no newestNetwork',
  );
  t.deepEqual(asked[0], {
    call: 'listContainers',
    options: { all: true, filters: JSON.stringify({ label: ['wglab.lab'] }) },
  });
  t.deepEqual(asked[1], { call: 'listNetworks', options: { filters: JSON.stringify({ label: ['wglab.lab'] }) } });
  await listLabs(engine, 'wglab-a-2');
  t.deepEqual(asked[2], {
    call: 'listContainers',
    options: { all: true, filters: JSON.stringify({ label: ['wglab.lab=wglab-a-2'] }) },
  });
});

test("removeLab asks for the lab's own label, all containers, removed by force with their volumes", async (t) => {
  const { engine, asked, removed } = labelledEngine();
  await removeLab(engine, 'wglab-b-1', { pauseMs: 0 });
  t.deepEqual(removed.sort(), ['c1', 'c2', 'n1', 'n2']);
  t.deepEqual(asked[0], {
    call: 'listContainers',
    options: { all: true, filters: JSON.stringify({ label: ['wglab.lab=wglab-b-1'] }) },
  });
  t.deepEqual(asked.find((entry) => entry.call === 'remove c1')?.options, { force: true, v: true });
});

test("pruneLabs removes labs whose owner is gone (or all, or one scenario's) and returns their ids", async (t) => {
  const all = labelledEngine();
  t.deepEqual(await pruneLabs(all.engine, { all: true, scenario: 'a' }), ['wglab-a-2']);
  t.deepEqual(all.removed, ['c3']);
  const every = labelledEngine();
  t.deepEqual(await pruneLabs(every.engine, { all: true }), ['wglab-a-2', 'wglab-b-1', 'wglab-c-3']);
  t.deepEqual(every.removed.sort(), ['c1', 'c2', 'c3', 'n1', 'n2', 'n3']);
  const gone = labelledEngine();
  t.deepEqual(await pruneLabs(gone.engine), [], 'owners h:1 and h:2 are on another host: not decidable, kept');
  t.deepEqual(gone.removed, []);
});

test('labLabels name the lab, its scenario, and its owner: this process, or detached', (t) => {
  t.deepEqual(labLabels('wglab-x-1', 'x', false), {
    'wglab.lab': 'wglab-x-1',
    'wglab.owner': `${hostname()}:${process.pid}`,
    'wglab.scenario': 'x',
  });
  t.is(labLabels('wglab-x-1', 'x', true)['wglab.owner'], 'detached');
});

test('removeLab waits between rounds only when something was refused', async (t) => {
  const state = { containers: [], networks: ['n1'] };
  const { engine } = fakeEngine(state, { n1: [activeEndpoints] });
  const start = performance.now();
  await removeLab(engine, 'x', { pauseMs: 300 });
  t.true(performance.now() - start >= 290, 'paused after the refusal');
  const quick = fakeEngine({ containers: ['c1'], networks: ['n1'] });
  const begin = performance.now();
  await removeLab(quick.engine, 'x', { pauseMs: 5000 });
  t.true(performance.now() - begin < 1000, 'no pause when nothing was refused');
});
