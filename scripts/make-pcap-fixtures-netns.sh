#!/usr/bin/env bash
# Recreates fixtures/pcap/netns-*.pcap with real tcpdump on a veth pair between two network namespaces of
# this machine (needs root, tcpdump, iproute2 and Debian's python3-scapy): bash scripts/make-pcap-fixtures-netns.sh
#
# Namespace A (pa: 10.99.0.1, fd99::1) sends, tcpdump listens on B's end (pb: 10.99.0.2, fd99::2). Traffic is
# either the kernel's own (TCP and UDP sockets, ping, VLAN and QinQ links, fragmentation) or frames crafted with
# scapy for what a kernel does not send (IP options, Ethernet padding, IPv6 extension headers, bad lengths).
# Encodings Linux tcpdump cannot write (big-endian files, DLT_NULL, LOOP, IPv4/IPv6 link types) are re-encoded
# from a real capture by make-pcap-fixtures-netns.py; tcpdump's reading of each, kept in the .txt beside it,
# shows that tcpdump reads them as it read the original. Each .txt is `tcpdump -nn -tt -v -e -r FILE`.
# With arguments, makes only the named groups: mixed vlan fragments ipv4 ipv6 snaplen edges.
set -euo pipefail
cd "$(dirname "$0")/.."
out=fixtures/pcap
py=(/usr/bin/python3 scripts/make-pcap-fixtures-netns.py)
A=wgpcapA B=wgpcapB
inA=(ip netns exec "$A")
inB=(ip netns exec "$B")

cleanup() {
  [[ -n "${server:-}" ]] && kill "$server" 2>/dev/null || true
  ip netns del "$A" 2>/dev/null || true
  ip netns del "$B" 2>/dev/null || true
}
trap cleanup EXIT
cleanup

ip netns add "$A"
ip netns add "$B"
ip link add pa netns "$A" address 02:99:00:00:00:01 type veth peer name pb netns "$B" address 02:99:00:00:00:02
for side in a b; do
  ns=$([[ $side == a ]] && echo "$A" || echo "$B")
  n=$([[ $side == a ]] && echo 1 || echo 2)
  ip -n "$ns" link set lo up
  ip -n "$ns" link set "p$side" addrgenmode none
  ip -n "$ns" addr add "10.99.0.$n/24" dev "p$side"
  ip -n "$ns" addr add "fd99::$n/64" dev "p$side" nodad
  ip -n "$ns" link set "p$side" up
done
# Known neighbours, so captures hold only what is sent on purpose.
ip -n "$A" neigh add 10.99.0.2 lladdr 02:99:00:00:00:02 dev pa
ip -n "$A" neigh add fd99::2 lladdr 02:99:00:00:00:02 dev pa
ip -n "$B" neigh add 10.99.0.1 lladdr 02:99:00:00:00:01 dev pb
ip -n "$B" neigh add fd99::1 lladdr 02:99:00:00:00:01 dev pb

"${inB[@]}" "${py[@]}" serve 600 >/tmp/wgpcap-serve.log 2>&1 &
server=$!
until grep -q serving /tmp/wgpcap-serve.log; do sleep 0.1; done

# capture NAME [tcpdump options...] -- command...: runs the command in A while tcpdump writes NAME on pb.
capture() {
  local name=$1; shift
  local options=()
  while [[ $1 != -- ]]; do options+=("$1"); shift; done
  shift
  rm -f "$out/$name.pcap" /tmp/wgpcap-tcpdump.log
  "${inB[@]}" tcpdump -i pb --immediate-mode -U -n "${options[@]}" -w "$out/$name.pcap" 2>/tmp/wgpcap-tcpdump.log &
  local pid=$!
  until grep -qs listening /tmp/wgpcap-tcpdump.log; do sleep 0.1; done
  sleep 0.5
  "${inA[@]}" "$@"
  sleep 1
  kill -INT "$pid"
  wait "$pid" || true
}

# read NAME [tcpdump options...]: tcpdump's own reading, kept beside the capture.
read_back() {
  local name=$1; shift
  tcpdump -nn -tt -v -e "$@" -r "$out/$name.pcap" >"$out/$name.txt" 2>/dev/null
}


groups=("$@")
wanted() { [[ ${#groups[@]} -eq 0 || " ${groups[*]} " == *" $1 "* ]]; }

# Kernel TCP and UDP over IPv4 and IPv6, and a ping each, with nanosecond timestamps.
if wanted mixed; then
capture netns-mixed-nano --time-stamp-precision=nano -- bash -c "
  ${py[*]} talk 10.99.0.2 40 && ${py[*]} talk fd99::2 60 &&
  ping -c 1 -W 1 10.99.0.2 >/dev/null && ping -6 -c 1 -W 1 fd99::2 >/dev/null"
read_back netns-mixed-nano --time-stamp-precision=nano
for variant in "be --big" "be-micro --big --micro" "null --link null" "null-be --big --link null" "loop --link loop" "ipv4 --link ipv4" "ipv6 --link ipv6"; do
  set -- $variant
  name=netns-mixed-$1; shift
  "${py[@]}" reencode "$out/netns-mixed-nano.pcap" "$out/$name.pcap" "$@"
  if [[ " $* " == *" --micro "* ]]; then read_back "$name"; else read_back "$name" --time-stamp-precision=nano; fi
done
fi

# VLAN 10 (802.1Q), QinQ (802.1ad 20 + 802.1Q 30) and two stacked 802.1Q tags (crafted: this kernel has no
# VLAN module, so tagged frames are sent as they are on the wire).
if wanted vlan; then
capture netns-vlan -- "${py[@]}" send vlan
read_back netns-vlan
fi

# Fragments: the kernel's (ping and UDP larger than the 1500-byte MTU, IPv4 and IPv6) and crafted TCP and UDP ones.
if wanted fragments; then
capture netns-fragments -- bash -c "
  ping -c 1 -W 1 -s 2000 10.99.0.2 >/dev/null && ${py[*]} talk 10.99.0.2 3000 udp && ${py[*]} talk fd99::2 2000 udp &&
  ${py[*]} send fragments"
read_back netns-fragments
fi

# IPv4 options, Ethernet padding, bad header lengths (crafted).
if wanted ipv4; then
capture netns-ipv4-crafted -- "${py[@]}" send ipv4
read_back netns-ipv4-crafted
fi

# IPv6 extension headers before TCP and UDP, ESP, no next header, trailers (crafted).
if wanted ipv6; then
capture netns-ipv6-ext -- "${py[@]}" send ipv6
read_back netns-ipv6-ext
fi

# A snapshot length shorter than the packets: lengths come from the headers, not from what was captured.
if wanted snaplen; then
capture netns-snaplen -s 80 -- bash -c "${py[*]} talk 10.99.0.2 1000 && ${py[*]} talk fd99::2 700"
read_back netns-snaplen
fi

# Edge cases: extension headers inside fragmented data, UDP with no data (crafted).
if wanted edges; then
capture netns-edges -- "${py[@]}" send edges
read_back netns-edges
fi

ls -l "$out"/netns-*
