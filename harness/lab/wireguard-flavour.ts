import { WglabError } from '../errors.ts';

export type WireguardFlavour = 'kernel' | 'userspace';

/** Which WireGuard to run: WGLAB_WIREGUARD=kernel|userspace forces it; auto (default) takes the kernel's when a probe can create a wireguard link. */
export function chooseWireguard(
  kernelAvailable: boolean,
  requested = process.env.WGLAB_WIREGUARD ?? 'auto',
): WireguardFlavour {
  if (requested === 'userspace') return 'userspace';
  if (requested === 'kernel') {
    if (!kernelAvailable) {
      throw new WglabError('WGLAB_WIREGUARD=kernel, but this kernel cannot create a wireguard interface', {
        hint: 'load the module (modprobe wireguard) or set WGLAB_WIREGUARD=userspace (wireguard-go)',
      });
    }
    return 'kernel';
  }
  if (requested !== 'auto')
    throw new WglabError(`WGLAB_WIREGUARD=${requested} is not kernel, userspace or auto`, {
      hint: 'unset it to let wglab choose',
    });
  return kernelAvailable ? 'kernel' : 'userspace';
}

/** The environment wg-quick runs with: userspace puts a shim first on PATH that starts wireguard-go for `ip link add … type wireguard`. */
export function wgQuickEnv(flavour: WireguardFlavour): Record<string, string> {
  if (flavour === 'kernel') return {};
  return {
    PATH: '/usr/local/lib/wglab/userspace:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    WG_QUICK_USERSPACE_IMPLEMENTATION: 'wireguard-go',
    WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD: '1',
  };
}
