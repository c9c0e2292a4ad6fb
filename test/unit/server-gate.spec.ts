import { EventEmitter } from 'node:events';
import { BlockList, type Socket } from 'node:net';
import { BudgetedRoutes } from '../../lib/rate-limit/budgeted-routes.js';
import { ConnectionCaps, ConnectionHold } from '../../lib/rate-limit/connection-caps.js';

describe('the budgeted routes, read from the raw URL', () => {
  const all = ['start', 'token', 'events', 'cancel', 'code', 'callback', 'refresh', 'signOut', 'account'];
  const routes = new BudgetedRoutes({ prefix: 'auth/phone-call', groups: all });

  it.each([
    ['/auth/phone-call/verifications', 'start'],
    ['/auth/phone-call/verifications/', 'start'],
    ['/api/v1/auth/phone-call/verifications?x=1', 'start'],
    ['/auth/phone-call/verifications/3f2a/token?wait=30', 'poll'],
    ['/AUTH/phone-call/verifications/3f2a/events', 'poll'],
    ['/auth/phone-call/verifications/3f2a/code', 'poll'],
    ['/auth/phone-call/verifications/3f2a', 'poll'],
    ['/auth/phone-call/token/refresh', 'refresh'],
    ['/auth/phone-call/token/sign-out', 'refresh'],
    ['/auth/phone-call/account/verifications', 'start'],
    ['/auth/phone-call/account/verifications/3f2a/token?wait=30', 'poll'],
  ])('%s spends %s', (url, family) => expect(routes.familyOf(url)).toBe(family));

  it.each([
    '/auth/phone-call/callback/secret',
    '/auth/phone-call/verifications/a/b/token',
    '/health?next=/auth/phone-call/verifications',
    '/other/verifications',
    '/',
  ])('%s spends none', (url) => expect(routes.familyOf(url)).toBeUndefined());

  it('knows only the mounted groups, under their prefix', () => {
    const some = new BudgetedRoutes({ prefix: 'phone', groups: ['start', 'callback'] });
    expect(some.familyOf('/phone/verifications')).toBe('start');
    expect(some.familyOf('/phone/verifications/3f2a/token')).toBeUndefined();
    expect(some.familyOf('/auth/phone-call/verifications')).toBeUndefined();
  });
});

describe('connection caps', () => {
  /** A socket from `address` that can be paused and closed. */
  const socket = (address: string) => {
    const events = new EventEmitter();
    return Object.assign(events, {
      remoteAddress: address,
      paused: false,
      pause() {
        this.paused = true;
      },
      destroy: () => events.emit('close'),
    }) as unknown as Socket;
  };

  it('serves up to the cap per address and per network, holds the rest, and counts a closed one out', () => {
    const caps = new ConnectionCaps(2, 3, new ConnectionHold());
    const first = socket('198.51.100.1');
    expect([first, socket('198.51.100.1')].map((s) => caps.admit(s))).toEqual([true, true]);
    const held = socket('198.51.100.1');
    expect(caps.admit(held)).toBe(false);
    expect((held as unknown as { paused: boolean }).paused).toBe(true);
    // The network's third, then none.
    expect(caps.admit(socket('198.51.100.2'))).toBe(true);
    expect(caps.admit(socket('198.51.100.3'))).toBe(false);
    // Another network, and a closed connection's place.
    expect(caps.admit(socket('198.51.101.1'))).toBe(true);
    first.destroy();
    expect(caps.admit(socket('198.51.100.3'))).toBe(true);
    held.destroy();
  });

  it("never caps a platform's callback allowlist, in any spelling of its address", () => {
    const platform = new BlockList();
    platform.addSubnet('203.0.113.0', 24);
    const caps = new ConnectionCaps(1, 1, new ConnectionHold(), [platform]);
    const burst = ['203.0.113.7', '203.0.113.7', '::ffff:203.0.113.8'].map((address) => caps.admit(socket(address)));
    expect(burst).toEqual([true, true, true]);
    // Others are still capped.
    expect([socket('198.51.100.1'), socket('198.51.100.1')].map((s) => caps.admit(s))).toEqual([true, false]);
  });

  it('closes the held connections when asked (the server is closing)', () => {
    const hold = new ConnectionHold();
    const held = socket('198.51.100.1');
    let closed = false;
    held.once('close', () => (closed = true));
    hold.hold(held);
    hold.closeAll();
    expect(closed).toBe(true);
  });
});
