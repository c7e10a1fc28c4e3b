#!/bin/sh
# Runs inside the lab image's root (chroot after debootstrap, or RUN in the Dockerfile): the same steps for both.
set -eu
rm -f /etc/nginx/sites-enabled/default
mkdir -p /etc/wireguard /etc/wglab /usr/local/lib/wglab/userspace
chmod 700 /etc/wireguard
install -m 0755 /tmp/ip-userspace-shim.sh /usr/local/lib/wglab/userspace/ip
rm -f /tmp/ip-userspace-shim.sh
# URLs resolve lab names through /etc/hosts; dns: checks ask the resolvers the lab runs (never the engine's).
rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/apt/archives/*.deb /usr/share/doc/* /usr/share/man/* /usr/share/locale/*
