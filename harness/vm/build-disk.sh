#!/usr/bin/env bash
# Builds what `wglab vm` boots, from Debian packages only: a kernel that has the WireGuard module, a tiny busybox
# initramfs that mounts the root, and an ext4 root disk (debootstrap minbase + Docker + the kernel's modules).
# Usage: build-disk.sh OUT_DIR KERNEL_PACKAGE MIRROR_URI   (as root; progress on stderr; OUT_DIR must not exist)
set -euo pipefail
out=$1 kernel_package=$2 mirror=$3
here=$(cd "$(dirname "$0")" && pwd)
say() { echo "wglab vm: $*" >&2; }
work=$(mktemp -d /var/tmp/wglab-vm-build.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"

say "downloading $kernel_package and busybox-static"
apt-get download -q "$kernel_package" busybox-static >/dev/null 2>download.log || { cat download.log >&2; exit 1; }
mkdir kernel busybox
dpkg-deb -x "$kernel_package"_*.deb kernel
dpkg-deb -x busybox-static_*.deb busybox
version=$(ls kernel/lib/modules)
depmod -b kernel "$version"
modules=kernel/lib/modules/$version

# The modules a root on virtio-blk ext4 needs, in load order (each one's dependencies first).
needed() {
  local name=$1 path deps
  path=$(find "$modules" -name "$name.ko*" | head -1)
  [ -n "$path" ] || return 0 # built into the kernel
  deps=$(grep "^${path#"$modules"/}:" "$modules/modules.dep" | cut -d: -f2)
  for dep in $deps; do needed "$(basename "$dep" | sed 's/\.ko.*//')"; done
  echo "$path"
}
say "initramfs: static busybox + virtio and ext4 modules"
mkdir -p initramfs/bin initramfs/dev initramfs/proc initramfs/sys initramfs/newroot initramfs/modules
cp busybox/bin/busybox initramfs/bin/busybox
for applet in sh mount insmod switch_root sleep echo mkdir; do ln -s busybox "initramfs/bin/$applet"; done
order=()
for name in virtio_pci virtio_blk ext4; do
  while read -r path; do
    case " ${order[*]:-} " in *" $(basename "$path") "*) ;; *) cp "$path" initramfs/modules/; order+=("$(basename "$path")") ;; esac
  done < <(needed "$name")
done
printf '%s\n' "${order[@]}" >initramfs/modules/order
cp "$here/guest/initramfs-init" initramfs/init
chmod 755 initramfs/init
(cd initramfs && find . | cpio -o -H newc --quiet | gzip -9) >initrd.img

say "root filesystem: debootstrap bookworm minbase with Docker (a few minutes)"
debootstrap --variant=minbase --include=docker.io,iptables,iproute2,kmod,procps,ca-certificates bookworm root "$mirror" >debootstrap.log 2>&1 \
  || { tail -20 debootstrap.log >&2; exit 1; }
mkdir -p root/lib/modules
cp -a "kernel/lib/modules/$version" root/lib/modules/
install -m 0755 "$here/guest/wglab-init" root/sbin/wglab-init
install -m 0755 busybox/bin/busybox root/usr/local/sbin/busybox
echo wglab-vm >root/etc/hostname
printf '127.0.0.1 localhost wglab-vm\n' >root/etc/hosts
rm -rf root/var/lib/apt/lists/* root/var/cache/apt/*.bin root/var/cache/apt/archives/*.deb root/usr/share/doc/* root/usr/share/man/*

say "ext4 disk image (4 GB, sparse)"
mkfs.ext4 -q -L wglab-vm -d root disk.img 4G >/dev/null

rm -rf "$out.tmp"; mkdir -p "$out.tmp"
cp "kernel/boot/vmlinuz-$version" "$out.tmp/vmlinuz"
mv initrd.img disk.img "$out.tmp/"
echo "$version" >"$out.tmp/kernel-version"
mv "$out.tmp" "$out"
say "built $out ($(du -sh "$out" | cut -f1) used)"
