#!/bin/sh
# wglab: put first on PATH when the lab runs userspace WireGuard. wg-quick creates its interface with
# `ip link add wg0 type wireguard`; here that starts wireguard-go instead, whatever the kernel has.
# Every other ip command goes to iproute2 unchanged.
if [ "$1" = link ] && [ "$2" = add ] && [ "$4" = type ] && [ "$5" = wireguard ]; then
  exec wireguard-go "$3"
fi
exec /usr/bin/ip "$@"
