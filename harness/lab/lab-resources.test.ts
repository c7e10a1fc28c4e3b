import test from 'ava';
import type { Engine } from './engine.ts';
import { isGone, isTransient, labsToPrune, orphanNetworkSeconds, ownerIsGone, removeLab, type LabSummary } from './lab-resources.ts';
import { hostname } from 'node:os';

/** A fake engine: containers and networks of one lab, each removal scripted (an error, or success). */
function fakeEngine(state: { containers: string[]; networks: string[]; volumes?: string[] }, failures: Record<string, unknown[]> = {}) {
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

const activeEndpoints = Object.assign(new Error('error while removing network: network wglab-x-A id 1 has active endpoints'), { statusCode: 403 });

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
  const { engine } = fakeEngine(state, { c1: [Object.assign(new Error('removal of container c1 is already in progress'), { statusCode: 409 })] });
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

const lab = (over: Partial<LabSummary>): LabSummary => ({ id: 'wglab-x', scenario: 's', owner: 'detached', containers: [], networks: [], ...over });
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
  t.deepEqual(labsToPrune(labs, { now, ownerGone }).map((found) => found.id), ['gone', 'orphan']);
  t.deepEqual(labsToPrune(labs, { now, ownerGone, all: true }).map((found) => found.id), labs.map((found) => found.id));
});

test('an owner is gone only when its process is, on this host', (t) => {
  t.false(ownerIsGone('detached'));
  t.false(ownerIsGone(`${hostname()}:${process.pid}`));
  t.false(ownerIsGone(`another-host:999999`));
  t.true(ownerIsGone(`${hostname()}:99999999`));
});
