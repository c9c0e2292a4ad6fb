import { isIP, isIPv4 } from 'node:net';

/** A client's address and its network, as budgets and limits count them. */
export interface ClientNetworks {
  /** An IPv4 address, or the /64 of an IPv6 address (one subscriber's line usually has a whole /64). */
  address: string;
  /** The IPv4 /24 or the IPv6 /48 around it. */
  network: string;
}

/** The eight groups of an IPv6 address, without leading zeros. */
function ipv6Groups(address: string): string[] {
  const [head, tail] = address.toLowerCase().split('::');
  const front = head ? head.split(':') : [];
  const back = tail ? tail.split(':') : [];
  const groups = tail === undefined ? front : [...front, ...Array(8 - front.length - back.length).fill('0'), ...back];
  return groups.map((group) => group.replace(/^0+(?=.)/, ''));
}

/**
 * The address and network of a client (`request.ip`); IPv4-mapped IPv6 addresses count as IPv4.
 * `undefined` for anything that is not an address (behind a misconfigured proxy, say).
 */
export function clientNetworks(ip: string | undefined): ClientNetworks | undefined {
  const address = ip?.replace(/%.*$/, '');
  if (!address || !isIP(address)) return undefined;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (isIPv4(address) || mapped) {
    const v4 = mapped ? mapped[1] : address;
    return { address: v4, network: `${v4.split('.').slice(0, 3).join('.')}.0/24` };
  }
  const groups = ipv6Groups(address);
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
