#!/usr/bin/python3
"""Helper of scripts/make-pcap-fixtures-netns.sh (see there): crafts packets and re-encodes pcap files.

  serve SECONDS              TCP port 8080 and UDP port 5353 on every address, answering "ok" (run inside namespace B)
  talk ADDRESS SIZE [udp|tcp|both]
                             one TCP exchange and one UDP datagram of SIZE bytes through the kernel's own stack
  send ipv4|ipv6|fragments|vlan|edges
                             craft frames with scapy and send them on interface pa (run inside namespace A)
  reencode SRC DST [--big] [--micro] [--link null|loop|ipv4|ipv6]
                             rewrite a real capture in an encoding Linux tcpdump cannot write; the packets' bytes
                             and timestamps are kept (only the link header is replaced when --link is given)
"""
import struct
import sys

A_MAC, B_MAC = '02:99:00:00:00:01', '02:99:00:00:00:02'
A4, B4 = '10.99.0.1', '10.99.0.2'
A6, B6 = 'fd99::1', 'fd99::2'


def send(kind):
    from scapy.all import ARP, IP, IPv6, TCP, UDP, Dot1AD, Dot1Q, Ether, Raw, sendp, fragment, fragment6
    from scapy.layers.inet import IPOption_RR, IPOption_Router_Alert
    from scapy.layers.inet6 import (IPv6ExtHdrDestOpt, IPv6ExtHdrFragment, IPv6ExtHdrHopByHop,
                                    IPv6ExtHdrRouting, PadN)
    from scapy.layers.ipsec import AH, ESP

    def frame(ip_bytes, trailer=b'', ethertype=None):
        eth = Ether(src=A_MAC, dst=B_MAC, type=ethertype or (0x0800 if ip_bytes[0] >> 4 == 4 else 0x86dd))
        return eth / Raw(ip_bytes + trailer)

    frames = []
    if kind == 'ipv4':
        # IP options: IHL 6 (router alert) on TCP with 5 bytes of data; IHL 8 (record route) on UDP with 3 bytes.
        frames.append(frame(bytes(IP(src=A4, dst=B4, id=0x4101, options=[IPOption_Router_Alert()])
                                  / TCP(sport=40001, dport=8080, flags='PA', seq=1000, ack=2000) / Raw(b'hello'))))
        frames.append(frame(bytes(IP(src=A4, dst=B4, id=0x4102, options=[IPOption_RR(routers=['10.99.0.1', '10.99.0.9'])])
                                  / UDP(sport=40002, dport=5353) / Raw(b'abc'))))
        # Ethernet padding: short frames padded to 60 bytes; the padding is no payload.
        frames.append(frame(bytes(IP(src=A4, dst=B4, id=0x4103) / UDP(sport=40003, dport=53) / Raw(b'Z')), trailer=b'\x00' * 17))
        frames.append(frame(bytes(IP(src=A4, dst=B4, id=0x4104) / TCP(sport=40004, dport=443, flags='A', seq=1, ack=1)), trailer=b'\xee' * 6))
        # TCP with options and data, padded with junk that looks like more data.
        frames.append(frame(bytes(IP(src=A4, dst=B4, id=0x4105) / TCP(sport=40005, dport=443, flags='FPA', options=[('NOP', None), ('NOP', None), ('Timestamp', (1, 2))]) / Raw(b'bye')), trailer=b'\xaa' * 10))
        # A header length below 20 bytes (IHL 4): nothing above IP can be trusted.
        bad = bytearray(bytes(IP(src=A4, dst=B4, id=0x4106) / UDP(sport=40006, dport=53) / Raw(b'bad!')))
        bad[0] = 0x44
        frames.append(frame(bytes(bad)))
        # A TCP header length below 20 bytes (data offset 3).
        frames.append(frame(bytes(IP(src=A4, dst=B4, id=0x4107) / TCP(sport=40007, dport=443, dataofs=3, flags='S') / Raw(b'xyz'))))
        # A total length shorter than the header (12); a total length of 0, as TCP segmentation offload leaves it.
        frames.append(frame(bytes(IP(src=A4, dst=B4, id=0x4108, len=12) / UDP(sport=40008, dport=53) / Raw(b'short'))))
        frames.append(frame(bytes(IP(src=A4, dst=B4, id=0x4109, len=0) / TCP(sport=40009, dport=443, flags='PA') / Raw(b'offload'))))
        # A UDP length below the 8 bytes of its own header.
        frames.append(frame(bytes(IP(src=A4, dst=B4, id=0x410a) / UDP(sport=40010, dport=53, len=4) / Raw(b'tiny'))))
        # IPv6 where the Ethernet type says IPv4.
        frames.append(frame(bytes(IPv6(src=A6, dst=B6) / UDP(sport=40011, dport=53) / Raw(b'wrong')), ethertype=0x0800))
    elif kind == 'ipv6':
        def v6(*layers, trailer=b''):
            packet = IPv6(src=A6, dst=B6)
            for layer in layers:
                packet = packet / layer
            frames.append(frame(bytes(packet), trailer))
        tcp = lambda port, data: TCP(sport=port, dport=8443, flags='PA', seq=7, ack=9) / Raw(data)
        udp = lambda port, data: UDP(sport=port, dport=5353) / Raw(data)
        v6(IPv6ExtHdrHopByHop(options=[PadN(optdata=b'\x00' * 4)]), udp(46001, b'hop'))
        v6(IPv6ExtHdrDestOpt(options=[PadN(optdata=b'\x00' * 4)]), tcp(46002, b'dest'))
        v6(IPv6ExtHdrRouting(type=0, addresses=['fd99::9', B6], segleft=0), tcp(46003, b'route!'))
        v6(IPv6ExtHdrHopByHop(), IPv6ExtHdrDestOpt(), IPv6ExtHdrRouting(addresses=[B6], segleft=0), udp(46004, b'chain'))
        v6(IPv6ExtHdrFragment(offset=0, m=0, id=0x6001), udp(46005, b'atomic'))
        v6(AH(nh=6, spi=0x1001, seq=1, payloadlen=4, icv=b'\x11' * 12), tcp(46006, b'auth'))
        v6(IPv6ExtHdrHopByHop(), AH(nh=17, spi=0x1002, seq=2, payloadlen=4, icv=b'\x22' * 12), udp(46007, b'hop+ah'))
        v6(ESP(spi=0x2001, seq=1, data=b'\x33' * 24))
        packet = IPv6(src=A6, dst=B6, nh=59)
        frames.append(frame(bytes(packet)))
        # IPv6 payload length shorter than the frame: the trailer is no payload.
        v6(udp(46008, b'pad'), trailer=b'\x00' * 8)
        v6(tcp(46009, b''), trailer=b'\xee' * 12)
        # Payload length 0 (a jumbogram, or segmentation offload): the frame's length counts.
        frames.append(frame(bytes(IPv6(src=A6, dst=B6, plen=0) / UDP(sport=46010, dport=5353) / Raw(b'zero'))))
        # IPv4 where the Ethernet type says IPv6.
        frames.append(frame(bytes(IP(src=A4, dst=B4) / UDP(sport=46011, dport=53) / Raw(b'wrong')), ethertype=0x86dd))
    elif kind == 'fragments':
        # TCP cut into IPv4 fragments: only the first carries the TCP header.
        for piece in fragment(IP(src=A4, dst=B4, id=0x4f01) / TCP(sport=41001, dport=8080, flags='PA') / Raw(b'T' * 100), fragsize=48):
            frames.append(frame(bytes(piece)))
        # UDP cut into IPv6 fragments (fragment header), data chosen so a later fragment looks like a UDP header.
        datagram = IPv6(src=A6, dst=B6) / IPv6ExtHdrFragment(id=0x6f01) / UDP(sport=46101, dport=5353) / Raw(bytes(range(256)) * 8)
        for piece in fragment6(datagram, 1280):
            frames.append(frame(bytes(piece)))
    elif kind == 'vlan':
        # 802.1Q and QinQ (802.1ad service tag outside an 802.1Q tag); the kernel here has no VLAN module.
        eth = Ether(src=A_MAC, dst=B_MAC)
        frames.append(eth / Dot1Q(vlan=10) / IP(src='10.99.10.1', dst='10.99.10.2', id=0x1001) / UDP(sport=41010, dport=5353) / Raw(b'tagged'))
        frames.append(eth / Dot1Q(vlan=10, prio=5) / IP(src='10.99.10.1', dst='10.99.10.2', id=0x1002) / TCP(sport=41011, dport=8080, flags='S'))
        frames.append(eth / Dot1Q(vlan=10) / IPv6(src='fd99:10::1', dst='fd99:10::2') / TCP(sport=41012, dport=8443, flags='PA') / Raw(b'six'))
        frames.append(eth / Dot1AD(vlan=20) / Dot1Q(vlan=30) / IP(src='10.99.30.1', dst='10.99.30.2', id=0x3001) / TCP(sport=41030, dport=8080, flags='PA') / Raw(b'qinq'))
        frames.append(eth / Dot1AD(vlan=20) / Dot1Q(vlan=30) / IPv6(src='fd99:30::1', dst='fd99:30::2') / UDP(sport=41031, dport=5353) / Raw(b'qinq6'))
        frames.append(eth / Dot1Q(vlan=100) / Dot1Q(vlan=200) / IP(src='10.99.200.1', dst='10.99.200.2', id=0x2001) / UDP(sport=41200, dport=53) / Raw(b'two'))
        frames.append(Ether(src=A_MAC, dst='ff:ff:ff:ff:ff:ff') / Dot1Q(vlan=10) / ARP(psrc='10.99.10.1', pdst='10.99.10.2', hwsrc=A_MAC))
        short = bytes(IP(src='10.99.10.1', dst='10.99.10.2', id=0x1003) / UDP(sport=41013, dport=53) / Raw(b'p'))
        frames.append(eth / Dot1Q(vlan=10, type=0x0800) / Raw(short + b'\x00' * 13))
    elif kind == 'edges':
        # Destination options inside fragmented data: after the Fragment header of the first piece, and named by
        # the Fragment header of the later one (where no header follows, only data).
        datagram = IPv6(src=A6, dst=B6) / IPv6ExtHdrFragment(id=0x6f02) / IPv6ExtHdrDestOpt() / UDP(sport=46201, dport=5353) / Raw(b'D' * 1400)
        for piece in fragment6(datagram, 1280):
            frames.append(frame(bytes(piece)))
        # UDP datagrams with no data.
        frames.append(frame(bytes(IP(src=A4, dst=B4, id=0x4201) / UDP(sport=42001, dport=5353))))
        frames.append(frame(bytes(IPv6(src=A6, dst=B6) / UDP(sport=46202, dport=5353))))
    else:
        sys.exit(f'unknown kind {kind}')
    sendp(frames, iface='pa', verbose=False, inter=0.01)


def serve(seconds):
    import select
    import socket
    import time
    listeners = []
    for family, address in ((socket.AF_INET, '0.0.0.0'), (socket.AF_INET6, '::')):
        for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
            sock = socket.socket(family, kind)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind((address, 8080 if kind == socket.SOCK_STREAM else 5353))
            if kind == socket.SOCK_STREAM:
                sock.listen(8)
            listeners.append(sock)
    print('serving', flush=True)
    end = time.time() + seconds
    while time.time() < end:
        ready, _, _ = select.select(listeners, [], [], 0.2)
        for sock in ready:
            if sock.type == socket.SOCK_DGRAM:
                data, peer = sock.recvfrom(65535)
                sock.sendto(b'ok', peer)
            else:
                conn, _ = sock.accept()
                conn.settimeout(2)
                size = int.from_bytes(conn.recv(4, socket.MSG_WAITALL), 'big')
                got = 0
                while got < size:
                    got += len(conn.recv(65536))
                conn.sendall(b'ok')
                conn.shutdown(socket.SHUT_WR)
                conn.recv(1)
                conn.close()


def talk(address, size, what='both'):
    import socket
    family = socket.AF_INET6 if ':' in address else socket.AF_INET
    if what in ('tcp', 'both'):
        conn = socket.create_connection((address, 8080), timeout=3)
        conn.sendall(size.to_bytes(4, 'big') + b'w' * size)
        assert conn.recv(2) == b'ok'
        conn.close()
    if what in ('udp', 'both'):
        sock = socket.socket(family, socket.SOCK_DGRAM)
        sock.settimeout(3)
        sock.sendto(b'u' * size, (address, 5353))
        assert sock.recvfrom(100)[0] == b'ok'
        sock.close()


def reencode(source, target, big=False, micro=False, link=None):
    data = open(source, 'rb').read()
    magic, = struct.unpack('<I', data[:4])
    if magic not in (0xa1b2c3d4, 0xa1b23c4d):
        sys.exit(f'{source}: expected a little-endian pcap written here')
    nano = magic == 0xa1b23c4d
    major, minor, zone, sigfigs, snap, linktype = struct.unpack('<HHiIII', data[4:24])
    order = '>' if big else '<'
    out_nano = nano and not micro
    links = {'null': 0, 'loop': 108, 'ipv4': 228, 'ipv6': 229}
    records = []
    offset = 24
    families = [24, 28, 30]
    count = 0
    while offset + 16 <= len(data):
        seconds, fraction, captured, original = struct.unpack('<IIII', data[offset:offset + 16])
        body = data[offset + 16:offset + 16 + captured]
        offset += 16 + captured
        if nano and micro:
            fraction //= 1000
        if link:
            if linktype != 1:
                sys.exit('--link needs an Ethernet capture')
            ethertype, = struct.unpack('>H', body[12:14])
            if ethertype not in (0x0800, 0x86dd):
                continue
            ip = body[14:]
            if link == 'ipv4' and ethertype != 0x0800 or link == 'ipv6' and ethertype != 0x86dd:
                continue
            if link in ('null', 'loop'):
                # NULL: the address family in the byte order of the machine that wrote the file; LOOP: always big-endian.
                family = 2 if ethertype == 0x0800 else families[count % 3]
                if ethertype == 0x0800 and count % 4 == 3:
                    family = 7  # no family tcpdump knows: not decoded, though the bytes hold IPv4
                count += 1
                head = struct.pack(('>' if link == 'loop' else order) + 'I', family)
            else:
                head = b''
            body = head + ip
            captured, original = len(body), original - 14 + len(head)
        records.append(struct.pack(order + 'IIII', seconds, fraction, captured, original) + body)
    out_magic = 0xa1b23c4d if out_nano else 0xa1b2c3d4
    out_link = links[link] if link else linktype
    header = struct.pack(order + 'IHHiIII', out_magic, major, minor, zone, sigfigs, snap, out_link)
    open(target, 'wb').write(header + b''.join(records))


if __name__ == '__main__':
    if sys.argv[1] == 'serve':
        serve(float(sys.argv[2]))
    elif sys.argv[1] == 'talk':
        talk(sys.argv[2], int(sys.argv[3]), *sys.argv[4:])
    elif sys.argv[1] == 'send':
        send(sys.argv[2])
    elif sys.argv[1] == 'reencode':
        args = sys.argv[2:]
        link = args[args.index('--link') + 1] if '--link' in args else None
        reencode(args[0], args[1], big='--big' in args, micro='--micro' in args, link=link)
    else:
        sys.exit(__doc__)
