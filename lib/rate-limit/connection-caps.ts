import { type BlockList, isIPv4, type Socket } from 'node:net';
import { canonicalAddress, clientNetworks } from '../http/client-address.js';

/** How long a held connection stays open, unread and unanswered, before it is closed. */
const HOLD_MS = 10_000;

/** Connections held at most at once; beyond, one is closed at once instead. */
const MAX_HELD = 10_000;

/**
 * Connections the server will not serve, held open, unread, for 10 s, then closed. Held, not
 * closed at once: a flood whose connections are reset reconnects at once, and its reconnections
 * fill the server's accept queue, where everyone else's connections then wait (a dropped SYN is
 * sent again after 1 s, then 3 s); a held connection's client waits for its answer instead.
 */
export class ConnectionHold {
  private readonly held = new Set<Socket>();

  /** Holds `socket` (or, with {@link MAX_HELD} held already, closes it). */
  hold(socket: Socket): void {
    // No one else may listen on it: a reset must not throw.
    socket.on('error', () => undefined);
    if (this.held.size >= MAX_HELD) {
      socket.destroy();
      return;
    }
    this.held.add(socket);
    socket.pause();
    const timer = setTimeout(() => socket.destroy(), HOLD_MS).unref();
    socket.once('close', () => {
      this.held.delete(socket);
      clearTimeout(timer);
    });
  }

  /** Closes every held connection (the server is closing: it would wait for them). */
  closeAll(): void {
    for (const socket of this.held) socket.destroy();
  }
}

/**
 * Open connections per client address (IPv4, IPv6 /64) and network (IPv4 /24, IPv6 /48): one
 * beyond either cap is held ({@link ConnectionHold}), not served.
 */
export class ConnectionCaps {
  private readonly open = new Map<string, number>();

  constructor(
    private readonly perAddress: number | false,
    private readonly perNetwork: number | false,
    private readonly held: ConnectionHold,
    /** The platforms' callback allowlists: their addresses are never capped (a burst of callbacks is genuine work). */
    private readonly platforms: readonly BlockList[] = [],
  ) {}

  /**
   * Whether `socket` may be served; when it may, it counts until its `close`, when it may not, it
   * is held. A socket without an address (a Unix socket) is served, uncounted.
   */
  admit(socket: Socket): boolean {
    const networks = clientNetworks(socket.remoteAddress);
    if (!networks || this.fromPlatform(socket.remoteAddress)) return true;
    const keys = [
      ...(this.perAddress ? [[networks.address, this.perAddress] as const] : []),
      ...(this.perNetwork ? [[networks.network, this.perNetwork] as const] : []),
    ];
    if (keys.some(([key, cap]) => (this.open.get(key) ?? 0) >= cap)) {
      this.held.hold(socket);
      return false;
    }
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

  private fromPlatform(ip: string | undefined): boolean {
    const address = canonicalAddress(ip);
    return !!address && this.platforms.some((list) => list.check(address, isIPv4(address) ? 'ipv4' : 'ipv6'));
  }
}
