import { isIPv4, isIPv6 } from 'node:net';

/** A client's address and its network, as budgets and limits count them. */
export interface ClientNetworks {
  /** An IPv4 address, or the /64 of an IPv6 address (one subscriber's line usually has a whole /64). */
  address: string;
  /** The IPv4 /24 or the IPv6 /48 around it. */
  network: string;
}

/** An address read once: the four octets of an IPv4 address, or the eight 16-bit groups of an IPv6 one. */
type ParsedAddress = { v4: number[] } | { v6: number[] };

/** Longer than any spelling of an address (45 characters) with a zone id: not one. */
const MAX_LENGTH = 64;

/** The eight groups of an IPv6 address that `node:net` accepted (a dotted IPv4 tail becomes two groups). */
function ipv6Groups(address: string): number[] {
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address);
  const hex = dotted
    ? `${address.slice(0, dotted.index)}${((+dotted[1] << 8) | +dotted[2]).toString(16)}:${((+dotted[3] << 8) | +dotted[4]).toString(16)}`
    : address;
  const [head, tail] = hex.split('::');
  const front = head ? head.split(':') : [];
  const back = tail ? tail.split(':') : [];
  const groups = tail === undefined ? front : [...front, ...Array(8 - front.length - back.length).fill('0'), ...back];
  return groups.map((group) => parseInt(group, 16));
}

/**
 * The IPv4 address an IPv6 address stands for, if it is one written as IPv6: IPv4-mapped
 * (`::ffff:0:0/96`, what a dual-stack socket reports for an IPv4 client), IPv4-translated
 * (`::ffff:0:0:0/96`, RFC 2765), IPv4-compatible (`::/96`, deprecated by RFC 4291; `::` and `::1`
 * stay IPv6) and the NAT64 well-known prefix (`64:ff9b::/96`, RFC 6052). Each would otherwise put
 * every IPv4 client in one IPv6 /64.
 */
function embeddedIPv4(g: number[]): number[] | undefined {
  const zero = (from: number, to: number) => g.slice(from, to).every((group) => group === 0);
  const tail = [g[6] >> 8, g[6] & 0xff, g[7] >> 8, g[7] & 0xff];
  const mapped = zero(0, 5) && g[5] === 0xffff;
  const translated = zero(0, 4) && g[4] === 0xffff && g[5] === 0;
  const compatible = zero(0, 6) && tail[0] !== 0;
  const nat64 = g[0] === 0x64 && g[1] === 0xff9b && zero(2, 6);
  return mapped || translated || compatible || nat64 ? tail : undefined;
}

/**
 * Reads `request.ip` once: `node:net` decides what is an address (a zone id such as `%eth0` is
 * dropped), and an IPv4 address in any IPv6 spelling is the IPv4 address.
 */
function parseAddress(ip: string | undefined): ParsedAddress | undefined {
  if (typeof ip !== 'string' || ip.length > MAX_LENGTH) return undefined;
  if (isIPv4(ip)) return { v4: ip.split('.').map(Number) };
  const address = ip.replace(/%[^%]*$/, '');
  if (!isIPv6(address)) return undefined;
  const groups = ipv6Groups(address);
  const v4 = embeddedIPv4(groups);
  return v4 ? { v4 } : { v6: groups };
}

/**
 * One spelling per address: an IPv4 address written as IPv6 (`::ffff:1.2.3.4`, `::FFFF:102:304`,
 * `0:0:0:0:0:ffff:1.2.3.4`, `::1.2.3.4`...) is `1.2.3.4`; an IPv6 address is its eight groups in
 * lowercase hex without leading zeros (`2001:db8:0:0:0:0:0:1`). `undefined` for anything that is
 * not an address (a proxy header that says `unknown`, a list, 300 characters).
 *
 * @example canonicalAddress('::ffff:c000:0201') // '192.0.2.1'
 */
export function canonicalAddress(ip: string | undefined): string | undefined {
  const parsed = parseAddress(ip);
  if (!parsed) return undefined;
  return 'v4' in parsed ? parsed.v4.join('.') : parsed.v6.map((group) => group.toString(16)).join(':');
}

/**
 * The address and network of a client (`request.ip`), IPv4 in any IPv6 spelling counted as IPv4
 * ({@link canonicalAddress}). `undefined` for anything that is not an address.
 */
export function clientNetworks(ip: string | undefined): ClientNetworks | undefined {
  const parsed = parseAddress(ip);
  if (!parsed) return undefined;
  if ('v4' in parsed) {
    const v4 = parsed.v4.join('.');
    return { address: v4, network: `${parsed.v4.slice(0, 3).join('.')}.0/24` };
  }
  const groups = parsed.v6.map((group) => group.toString(16));
  return { address: `${groups.slice(0, 4).join(':')}::/64`, network: `${groups.slice(0, 3).join(':')}::/48` };
}

/** The key a counter is kept for: an IPv4 address or an IPv6 /64 (see {@link clientNetworks}). */
export function clientKey(ip: string | undefined): string | undefined {
  return clientNetworks(ip)?.address;
}

/** The network a counter is kept for: an IPv4 /24 or an IPv6 /48 (see {@link clientNetworks}). */
export function networkKey(ip: string | undefined): string | undefined {
  return clientNetworks(ip)?.network;
}
