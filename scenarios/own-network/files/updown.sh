#!/bin/sh
# updown.sh up|down IFACE: the policy rule for a tunnel with its own table, keyed on the interface's fwmark.
set -e
mark=$(wg show "$2" fwmark)
case "$1" in
  up)
    ip rule add not fwmark "$mark" to 10.20.1.0/30 table 1234 priority 1000
    echo "$2 up with fwmark $mark" > /run/updown-"$2".log ;;
  down)
    ip rule del not fwmark "$mark" to 10.20.1.0/30 table 1234 priority 1000 ;;
esac
