import { canonicalAddress, clientKey, networkKey } from '../../lib/http/client-address.js';

describe('clientKey (what a per-client rate limit counts)', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['2001:db8:85a3:8d3:1319:8a2e:370:7348', '2001:db8:85a3:8d3::/64'],
    ['2001:db8:85a3:8d3::1', '2001:db8:85a3:8d3::/64'],
    ['2001:DB8:0:0:ffff::2', '2001:db8:0:0::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
  ])('%s counts as %s', (ip, key) => {
    expect(clientKey(ip)).toBe(key);
  });

  it('puts every address of one IPv6 /64 in one bucket', () => {
    expect(clientKey('2001:db8:1:2:aaaa::1')).toBe(clientKey('2001:db8:1:2:bbbb:cccc:dddd:eeee'));
    expect(clientKey('2001:db8:1:2::1')).not.toBe(clientKey('2001:db8:1:3::1'));
  });

  it.each([undefined, '', 'x'.repeat(300), 'unknown', '203.0.113.7, 10.0.0.1', '999.1.1.1'])(
    'takes %p as no address',
    (ip) => {
      expect(clientKey(ip)).toBeUndefined();
    },
  );
});

describe('canonicalAddress (one spelling per address)', () => {
  // Every way of writing 1.2.3.4 inside IPv6 is 1.2.3.4: otherwise they would all share one /64.
  it.each([
    '1.2.3.4',
    '::ffff:1.2.3.4',
    '::FFFF:1.2.3.4',
    '0:0:0:0:0:ffff:1.2.3.4',
    '0000:0000:0000:0000:0000:FFFF:0102:0304',
    '::ffff:102:304',
    '::ffff:0102:0304',
    '::ffff:0:1.2.3.4', // IPv4-translated (RFC 2765)
    '::ffff:0:102:304',
    '::1.2.3.4', // IPv4-compatible (deprecated by RFC 4291)
    '::102:304',
    '0:0:0:0:0:0:1.2.3.4',
    '64:ff9b::1.2.3.4', // the NAT64 well-known prefix (RFC 6052)
    '64:ff9b::102:304',
    '::ffff:1.2.3.4%eth0',
  ])('reads %s as 1.2.3.4', (ip) => {
    expect(canonicalAddress(ip)).toBe('1.2.3.4');
  });

  it.each([
    ['2001:db8::1', '2001:db8:0:0:0:0:0:1'],
    ['2001:DB8:0000:0000:0000:0000:0000:0001', '2001:db8:0:0:0:0:0:1'],
    ['::1', '0:0:0:0:0:0:0:1'],
    ['::', '0:0:0:0:0:0:0:0'],
    ['::ffff', '0:0:0:0:0:0:0:ffff'],
    ['::fffe:1.2.3.4', '0:0:0:0:0:fffe:102:304'],
    ['1::ffff:1.2.3.4', '1:0:0:0:0:ffff:102:304'],
    ['64:ff9b:1::1.2.3.4', '64:ff9b:1:0:0:0:102:304'],
    ['fe80::1%eth0', 'fe80:0:0:0:0:0:0:1'],
  ])('keeps the IPv6 address %s as %s', (ip, canonical) => {
    expect(canonicalAddress(ip)).toBe(canonical);
  });

  it.each([
    undefined,
    '',
    ' 1.2.3.4',
    '1.2.3.4 ',
    '01.2.3.4',
    '1.2.3',
    '::ffff:1.2.3.256',
    ':::1',
    '1:2:3:4:5:6:7:8:9',
    'unknown',
  ])('takes %p as no address', (ip) => {
    expect(canonicalAddress(ip)).toBeUndefined();
  });
});

describe('clientKey and networkKey of IPv4 written as IPv6', () => {
  it.each(['::ffff:198.51.100.9', '::ffff:c633:6409', '::198.51.100.9', '::ffff:0:c633:6409', '64:ff9b::c633:6409'])(
    '%s counts as 198.51.100.9 and its /24',
    (ip) => {
      expect(clientKey(ip)).toBe('198.51.100.9');
      expect(networkKey(ip)).toBe('198.51.100.0/24');
    },
  );

  it('keeps two IPv4 addresses written as IPv6 apart (no shared /64)', () => {
    expect(clientKey('::ffff:c000:0201')).toBe('192.0.2.1');
    expect(clientKey('::ffff:c000:0201')).not.toBe(clientKey('::ffff:c000:0202'));
    expect(networkKey('::ffff:c000:0201')).not.toBe(networkKey('::ffff:c633:6409'));
  });
});

describe('networkKey (what a per-network rate limit counts)', () => {
  it.each([
    ['203.0.113.7', '203.0.113.0/24'],
    ['::ffff:203.0.113.7', '203.0.113.0/24'],
    ['2001:db8:85a3:8d3:1319:8a2e:370:7348', '2001:db8:85a3::/48'],
    ['2001:db8::1', '2001:db8:0::/48'],
    ['2001:DB8:0:0:ffff::2', '2001:db8:0::/48'],
  ])('%s counts as %s', (ip, key) => {
    expect(networkKey(ip)).toBe(key);
  });

  it('puts every address of one IPv4 /24 and of one IPv6 /48 in one bucket, and no more', () => {
    expect(networkKey('198.51.100.1')).toBe(networkKey('198.51.100.254'));
    expect(networkKey('198.51.100.1')).not.toBe(networkKey('198.51.101.1'));
    expect(networkKey('2001:db8:1:2::1')).toBe(networkKey('2001:db8:1:ffff::1'));
    expect(networkKey('2001:db8:1::1')).not.toBe(networkKey('2001:db8:2::1'));
  });

  it.each([undefined, '', 'x'.repeat(300), '203.0.113.7, 10.0.0.1'])('takes %p as no address', (ip) => {
    expect(networkKey(ip)).toBeUndefined();
  });
});
