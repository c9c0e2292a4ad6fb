import { clientKey, networkKey } from '../../lib/http/client-address.js';

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
