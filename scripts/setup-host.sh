#!/usr/bin/env bash
# Makes this machine ready for wglab labs: a Docker engine that answers, and the host tools the lab uses
# (debootstrap to build the lab image from the host's own apt mirror, tcpdump for the host-side safety test,
# chromium for the test that renders the HTML report in a real browser, qemu for `wglab vm`).
# Installs and starts Debian's docker.io when run as root on Debian/Ubuntu; otherwise says what to install.
set -euo pipefail
say() { echo "wglab setup: $*" >&2; }
engine_answers() { command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; }
is_root() { [ "$(id -u)" = 0 ]; }
debian_like() { [ -r /etc/os-release ] && . /etc/os-release && case " ${ID:-} ${ID_LIKE:-} " in *" debian "*|*" ubuntu "*) true ;; *) false ;; esac; }
chromium_path() { [ -n "${WGLAB_CHROMIUM:-}" ] && [ -x "$WGLAB_CHROMIUM" ] && { echo "$WGLAB_CHROMIUM"; return; }; command -v chromium || command -v google-chrome-stable || command -v google-chrome || command -v chromium-browser; }
apt_updated=
apt_install() {
  [ -n "$apt_updated" ] || { say "apt-get update"; apt-get update -qq; apt_updated=1; }
  say "installing $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

if engine_answers; then
  say "Docker engine answers ($(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?'))"
else
  if ! is_root || ! debian_like || ! command -v apt-get >/dev/null; then
    say "no Docker engine answers, and this is not root on Debian/Ubuntu, so wglab will not install one."
    say "Install Docker Engine or Debian/Ubuntu's docker.io, start it,"
    say "and make sure 'docker info' works for this user (or set DOCKER_HOST). Then run this again."
    exit 2
  fi
  command -v dockerd >/dev/null 2>&1 || apt_install docker.io
  if [ -d /run/systemd/system ] && systemctl start docker 2>/dev/null; then
    say "started docker with systemd"
  else
    say "starting dockerd (log: /var/log/wglab-dockerd.log)"
    nohup dockerd >/var/log/wglab-dockerd.log 2>&1 </dev/null &
  fi
  for _ in $(seq 1 60); do engine_answers && break; sleep 1; done
  engine_answers || { say "dockerd did not answer within 60 s; see /var/log/wglab-dockerd.log"; tail -20 /var/log/wglab-dockerd.log >&2 || true; exit 2; }
  say "Docker engine answers ($(docker version --format '{{.Server.Version}}'))"
fi

if is_root && debian_like && command -v apt-get >/dev/null; then
  missing=()
  command -v debootstrap >/dev/null 2>&1 || [ -x /usr/sbin/debootstrap ] || missing+=(debootstrap)
  command -v tcpdump >/dev/null 2>&1 || [ -x /usr/bin/tcpdump ] || missing+=(tcpdump)
  chromium_path >/dev/null || missing+=(chromium)
  # wglab vm (kernel WireGuard in a qemu VM, for kernels without the module; WGLAB_VM=1 installs it anyway):
  # qemu, and what building its disk uses (apt-get download, dpkg-deb, depmod, cpio, mkfs.ext4).
  if [ "${WGLAB_VM:-}" = 1 ] || ! { modprobe -n -q wireguard 2>/dev/null || { ip link add wglabsetup0 type wireguard 2>/dev/null && ip link del wglabsetup0; }; }; then
    command -v qemu-system-x86_64 >/dev/null 2>&1 || missing+=(qemu-system-x86)
    command -v cpio >/dev/null 2>&1 || missing+=(cpio)
    command -v depmod >/dev/null 2>&1 || [ -x /usr/sbin/depmod ] || [ -x /sbin/depmod ] || missing+=(kmod)
    command -v mkfs.ext4 >/dev/null 2>&1 || [ -x /usr/sbin/mkfs.ext4 ] || [ -x /sbin/mkfs.ext4 ] || missing+=(e2fsprogs)
  fi
  [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
elif ! chromium_path >/dev/null; then
  say "note: no chromium found; the report's browser test needs Debian/Ubuntu's chromium or Google Chrome (or WGLAB_CHROMIUM=/path/to/it)"
fi
say "ready"
