import type { Socket } from 'node:net';
import { clientNetworks } from '../http/client-address.js';

/**
 * Open connections per client address (IPv4, IPv6 /64) and network (IPv4 /24, IPv6 /48): a
 * connection beyond either cap is not admitted, one admitted is counted until it closes.
 */
export class ConnectionCaps {
  private readonly open = new Map<string, number>();

  constructor(
    private readonly perAddress: number | false,
    private readonly perNetwork: number | false,
  ) {}

  /** Whether `socket` may be served; when it may, it counts until its `close`. A socket without an address is not counted. */
  admit(socket: Socket): boolean {
    const networks = clientNetworks(socket.remoteAddress);
    if (!networks) return true;
    const keys = [
      ...(this.perAddress ? [[networks.address, this.perAddress] as const] : []),
      ...(this.perNetwork ? [[networks.network, this.perNetwork] as const] : []),
    ];
    if (keys.some(([key, cap]) => (this.open.get(key) ?? 0) >= cap)) return false;
    for (const [key] of keys) this.open.set(key, (this.open.get(key) ?? 0) + 1);
    socket.once('close', () => {
      for (const [key] of keys) {
        const left = this.open.get(key)! - 1;
        if (left === 0) this.open.delete(key);
        else this.open.set(key, left);
      }
    });
    return true;
  }
}
