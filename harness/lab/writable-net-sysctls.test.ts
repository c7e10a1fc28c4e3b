import test from 'ava';
import { enterableHere, enterNodesScript, writableNetSysctlsScript } from './writable-net-sysctls.ts';

const ids = ['a'.repeat(64), 'b'.repeat(64)];
const cgroups: Record<number, string> = {
  10: `0::/docker/${ids[0]}\n`,
  11: `0::/system.slice/docker-${ids[1]}.scope\n`,
};
const cgroupOf = (pid: number) => cgroups[pid];

test('root beside the engine enters the nodes itself: each PID here is the node whose container its cgroup names', (t) => {
  t.true(enterableHere(ids, [10, 11], 0, cgroupOf));
});

test('the helper container is used when not root, or a PID here is not the node (another PID namespace, another machine)', (t) => {
  t.false(enterableHere(ids, [10, 11], 1000, cgroupOf), 'a user in the docker group cannot nsenter');
  t.false(enterableHere(ids, [10, 11], undefined, cgroupOf), 'no uid (not POSIX)');
  t.false(enterableHere(ids, [11, 10], 0, cgroupOf), 'PIDs of other containers');
  t.false(enterableHere(ids, [10, 12], 0, cgroupOf), 'no such process here');
  t.false(
    // Only the PID tells: what /proc/0 would say is made to name the second container.
    enterableHere(ids, [10, 0], 0, (pid) => (pid === 0 ? `0::/docker/${ids[1]}` : cgroupOf(pid))),
    'a stopped container has PID 0',
  );
  t.false(enterableHere(ids, [10], 0, cgroupOf), 'a PID missing');
});

test('the script enters each node by PID, runs the mount there, and names the node that failed', (t) => {
  const script = enterNodesScript([10, 11]).split('\n');
  t.deepEqual(script, [
    `nsenter --target 10 --mount sh -c '${writableNetSysctlsScript}' || { echo "in process 10" >&2; exit 1; }`,
    `nsenter --target 11 --mount sh -c '${writableNetSysctlsScript}' || { echo "in process 11" >&2; exit 1; }`,
  ]);
});
