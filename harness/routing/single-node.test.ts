import test from 'ava';
import { parseCidr } from '../net/ip.ts';
import { parseWgConfig } from '../wgconf/parse-wg-config.ts';
import { entersInterface, nodeWithFile, tableHolds } from './single-node.ts';

const conf = (lines: string[]) =>
  parseWgConfig(
    [
      '[Interface]',
      'PrivateKey = AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAEE=',
      ...lines,
      '[Peer]',
      'PublicKey = fE/wdxzl0klVp/IR8UcaoGUMjqaWi3jAd7KzHKFS6Ds=',
      'AllowedIPs = 10.9.0.0/24',
      '',
    ].join('\n'),
  );
const cidr = (text: string) => parseCidr(text)!;

test('a file on its own host: its tables and where ordinary traffic goes', (t) => {
  const off = nodeWithFile(
    conf(['Address = 10.0.0.1/24', 'Table = off', 'PostUp = ip rule add to 10.9.0.0/24 table 123 priority 5']),
    'wg0',
  );
  t.false(tableHolds(off, '123', cidr('10.9.0.0/24')));
  t.false(entersInterface(off, 'wg0', cidr('10.9.0.0/24')));
  t.true(entersInterface(off, 'wg0', cidr('10.0.0.7')), 'the connected route of Address');
  t.false(entersInterface(off, 'wg0', cidr('fd00::1')), 'IPv6 goes out eth0');
  const table = nodeWithFile(
    conf(['Address = 10.0.0.1/24', 'Table = 123', 'PostUp = ip rule add to 10.9.0.0/24 table 123 priority 5']),
    'wg0',
  );
  t.true(tableHolds(table, '123', cidr('10.9.0.0/24')));
  t.false(tableHolds(table, '124', cidr('10.9.0.0/24')));
  t.true(entersInterface(table, 'wg0', cidr('10.9.0.5')));
  t.false(entersInterface(table, 'wg1', cidr('10.9.0.5')));
  t.deepEqual(table.unknown, []);
});
