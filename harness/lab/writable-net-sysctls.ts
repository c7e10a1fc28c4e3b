import type { Engine } from './engine.ts';

/**
 * The script that makes a node's /proc/sys/net writable: a bind mount of it over itself, remounted read-write.
 * /proc/sys/net shows the sysctls of the reader's own network namespace, so `sysctl -w net.*` in a config's
 * hooks (ip_forward, rp_filter, …) changes the node alone; the rest of /proc/sys (kernel.*, vm.*) stays read-only.
 */
export const writableNetSysctlsScript =
  'mount --bind /proc/sys/net /proc/sys/net && mount -o remount,rw,bind /proc/sys/net';

/**
 * Runs writableNetSysctlsScript in each node's mount namespace from one short-lived helper container that sees
 * the engine's processes (PID namespace of the host) and holds the capabilities to enter them and mount (the
 * nodes never hold them). One helper per lab, not per node: a container start costs the engine more than the
 * mounts. The helper carries the lab's labels, so teardown and prune find it if this process dies meanwhile.
 */
export async function makeNetSysctlsWritable(
  engine: Engine,
  image: string,
  containerIds: string[],
  name: string,
  labels: Record<string, string>,
): Promise<void> {
  const pids = await Promise.all(
    containerIds.map(async (id) => (await engine.dockerode.getContainer(id).inspect()).State.Pid),
  );
  const script = pids
    .map(
      (pid) =>
        `nsenter --target ${pid} --mount sh -c '${writableNetSysctlsScript}' || { echo "in process ${pid}" >&2; exit 1; }`,
    )
    .join('\n');
  const helper = await engine.dockerode.createContainer({
    name,
    Image: image,
    Cmd: ['sh', '-c', script],
    Labels: labels,
    HostConfig: {
      PidMode: 'host',
      NetworkMode: 'none',
      CapAdd: ['SYS_ADMIN', 'SYS_CHROOT', 'SYS_PTRACE'],
    },
  });
  try {
    await helper.start();
    const { StatusCode } = (await helper.wait()) as { StatusCode: number };
    if (StatusCode !== 0) {
      const logs = (await helper.logs({ stdout: true, stderr: true }))
        .toString('utf8')
        .replace(/[\x00-\x08]/g, '')
        .trim();
      throw new Error(
        `making /proc/sys/net writable in ${name.replace(/-sysctl$/, '')} failed (exit ${StatusCode}): ${logs}`,
      );
    }
  } finally {
    await helper.remove({ force: true }).catch(() => undefined);
  }
}
