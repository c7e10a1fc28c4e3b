import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Engine } from './engine.ts';

/**
 * The script that makes a node's /proc/sys/net writable: a bind mount of it over itself, remounted read-write.
 * /proc/sys/net shows the sysctls of the reader's own network namespace, so `sysctl -w net.*` in a config's
 * hooks (ip_forward, rp_filter, …) changes the node alone; the rest of /proc/sys (kernel.*, vm.*) stays read-only.
 */
export const writableNetSysctlsScript =
  'mount --bind /proc/sys/net /proc/sys/net && mount -o remount,rw,bind /proc/sys/net';

/** The shell script that enters each node's mount namespace (by its main process) and runs the script there. */
export function enterNodesScript(pids: number[]): string {
  return pids
    .map(
      (pid) =>
        `nsenter --target ${pid} --mount sh -c '${writableNetSysctlsScript}' || { echo "in process ${pid}" >&2; exit 1; }`,
    )
    .join('\n');
}

/**
 * Whether the nodes run on this machine's kernel: each node's main process has the PID here that the engine
 * reports, and its cgroup names the node's container (a process in another PID namespace, or on another machine,
 * never passes). Then the nodes' clock is this process's clock. `cgroupOf` reads /proc/PID/cgroup.
 */
export function onThisKernel(
  containerIds: string[],
  pids: number[],
  cgroupOf: (pid: number) => string | undefined,
): boolean {
  return (
    pids.length === containerIds.length &&
    pids.every((pid, at) => pid > 0 && (cgroupOf(pid) ?? '').includes(containerIds[at]!))
  );
}

/** Whether this process can enter the nodes itself: root, with the nodes on this kernel. */
export function enterableHere(
  containerIds: string[],
  pids: number[],
  uid: number | undefined,
  cgroupOf: (pid: number) => string | undefined,
): boolean {
  return uid === 0 && onThisKernel(containerIds, pids, cgroupOf);
}

const cgroupOf = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cgroup`, 'utf8');
  } catch {
    return undefined;
  }
};

/**
 * Runs a script that enters the nodes (by their main processes' PIDs): as root beside the engine, with nsenter,
 * from here; otherwise (a remote engine, a user in the docker group) from one short-lived helper container that
 * sees the engine's processes (PID namespace of the host) and holds the capabilities to enter them, mount and make
 * links (the nodes never hold them). One helper per lab (`<lab>-enter`), not per node: a container start costs the
 * engine more than the work. The helper carries the lab's labels, so teardown and prune find it if this process
 * dies meanwhile. Nothing changes outside the nodes' own namespaces.
 */
export async function enterNodes(
  engine: Engine,
  image: string,
  containers: { node: string; id: string }[],
  script: (pids: ReadonlyMap<string, number>) => string,
  lab: string,
  labels: Record<string, string>,
  what: string,
): Promise<{ onThisKernel: boolean; pids: ReadonlyMap<string, number> }> {
  const ids = containers.map((container) => container.id);
  const pidList = await Promise.all(
    ids.map(async (id) => (await engine.dockerode.getContainer(id).inspect()).State.Pid),
  );
  const pids = new Map(containers.map((container, at) => [container.node, pidList[at]!] as const));
  const text = script(pids);
  const here = { onThisKernel: onThisKernel(ids, pidList, cgroupOf), pids };
  const failed = (code: number | string, said: string) =>
    new Error(`${what} in ${lab} failed (exit ${code}): ${said.trim()}`);
  if (enterableHere(ids, pidList, process.getuid?.(), cgroupOf)) {
    const entered = await new Promise<{ code: number | string; stderr: string }>((resolve) =>
      execFile('sh', ['-c', text], (error, _stdout, stderr) =>
        resolve({ code: error ? ((error as NodeJS.ErrnoException).code ?? 1) : 0, stderr }),
      ),
    );
    if (entered.code === 0) return here;
    // No nsenter here (exit 127: not found): the helper container has one.
    if (entered.code !== 127 || !/nsenter/.test(entered.stderr)) throw failed(entered.code, entered.stderr);
  }
  const helper = await engine.dockerode.createContainer({
    name: `${lab}-enter`,
    Image: image,
    Cmd: ['sh', '-c', text],
    Labels: labels,
    HostConfig: {
      PidMode: 'host',
      NetworkMode: 'none',
      CapAdd: ['SYS_ADMIN', 'SYS_CHROOT', 'SYS_PTRACE', 'NET_ADMIN'],
    },
  });
  try {
    await helper.start();
    const { StatusCode } = (await helper.wait()) as { StatusCode: number };
    if (StatusCode !== 0) {
      const logs = (await helper.logs({ stdout: true, stderr: true })).toString('utf8').replace(/[\x00-\x08]/g, '');
      throw failed(StatusCode, logs);
    }
  } finally {
    await helper.remove({ force: true }).catch(() => undefined);
  }
  return here;
}
