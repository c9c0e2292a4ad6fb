import { resolveLimits } from '../../lib/options/resolve-limits.js';
import { RefusalTally } from '../../lib/ops/refusal-tally.service.js';
import { InMemoryOpsEventStore } from './support/fake-stores.js';

describe('RefusalTally', () => {
  const tally = (refusalTally: { maxKeys: number; flushSeconds: number } | false) => {
    const store = new InMemoryOpsEventStore();
    return { store, tally: new RefusalTally(resolveLimits({ refusalTally }), store) };
  };

  it('writes one row per reason, channel and prefix, with its count, once per flush', async () => {
    const { store, tally: counted } = tally({ maxKeys: 10, flushSeconds: 30 });
    for (let i = 0; i < 500; i++)
      counted.count({ reason: 'NUMBER_TYPE_REFUSED', channel: 'sms', phone: '+78005553535' });
    counted.count({ reason: 'CLIENT_BUDGET_EXCEEDED' });
    expect(store.rows).toEqual([]);
    await counted.flush();
    expect(store.rows).toEqual([
      expect.objectContaining({ outcome: 'NUMBER_TYPE_REFUSED', channel: 'sms', prefix: '+7800', count: 500 }),
      expect.objectContaining({ outcome: 'CLIENT_BUDGET_EXCEEDED', prefix: null, count: 1 }),
    ]);
    await counted.flush();
    expect(store.rows).toHaveLength(2);
    expect(JSON.stringify(store.rows)).not.toContain('5553535');
  });

  it('keeps at most maxKeys counters: beyond them, a refusal is counted without its prefix', async () => {
    const { store, tally: counted } = tally({ maxKeys: 2, flushSeconds: 30 });
    for (const phone of ['+79670000001', '+74950000001', '+78120000001', '+73430000001']) {
      counted.count({ reason: 'RATE_LIMITED', phone, country: 'RU' });
    }
    await counted.flush();
    expect(store.rows.map(({ prefix, country, count }) => [prefix, country, count])).toEqual([
      ['+7967', 'RU', 1],
      ['+7495', 'RU', 1],
      [null, null, 2],
    ]);
  });

  it('counts nothing when off', async () => {
    const { store, tally: counted } = tally(false);
    counted.count({ reason: 'INVALID_PHONE' });
    await counted.flush();
    expect(store.rows).toEqual([]);
  });
});
