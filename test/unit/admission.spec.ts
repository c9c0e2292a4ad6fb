import type { DataSource } from 'typeorm';
import { AdmissionService } from '../../lib/database/admission.service.js';
import { DatabaseBusyException } from '../../lib/database/database-busy.exception.js';
import type { ResolvedLimits } from '../../lib/options/resolved-options.interface.js';
import { PhoneCallAuthTelemetry } from '../../lib/telemetry/phone-call-auth.telemetry.js';

/** Admission control's queueing on its own: which work runs when, with real promises and timers. */
function admission(settings: Partial<Exclude<ResolvedLimits['admission'], false>> = {}) {
  const limits = {
    admission: { maxConcurrent: 1, maxQueuedPriority: 2, maxQueuedPolling: 2, queueTimeoutMs: 10_000, ...settings },
  } as ResolvedLimits;
  // Only the data source's settings are read (its pool size), never a connection.
  return new AdmissionService(limits, { options: { type: 'postgres' } } as DataSource, new PhoneCallAuthTelemetry());
}

/** Work that runs until `finish()` is called. */
function gate() {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  return { finish, work: () => done };
}

describe('AdmissionService', () => {
  it('runs at most maxConcurrent at once and gives a freed slot to priority work before polling', async () => {
    const service = admission();
    const first = gate();
    const order: string[] = [];
    const running = service.run('polling', first.work);
    const polling = service.run('polling', async () => void order.push('polling'));
    const priority = service.run('priority', async () => void order.push('priority'));
    expect(service.load).toEqual({ active: 1, queued: 2 });
    first.finish();
    await Promise.all([running, polling, priority]);
    expect(order).toEqual(['priority', 'polling']);
    expect(service.load).toEqual({ active: 0, queued: 0 });
  });

  it('refuses at once when a queue is full, the other queue unaffected', async () => {
    const service = admission({ maxQueuedPolling: 1 });
    const first = gate();
    const running = service.run('priority', first.work);
    const queued = service.run('polling', async () => 'queued');
    await expect(service.run('polling', async () => 'shed')).rejects.toBeInstanceOf(DatabaseBusyException);
    const priority = service.run('priority', async () => 'priority');
    first.finish();
    await expect(Promise.all([queued, priority])).resolves.toEqual(['queued', 'priority']);
    await running;
  });

  it('refuses work that waited longer than queueTimeoutMs, and frees its place', async () => {
    const service = admission({ queueTimeoutMs: 20 });
    const first = gate();
    const running = service.run('priority', first.work);
    await expect(service.run('polling', async () => 'late')).rejects.toBeInstanceOf(DatabaseBusyException);
    expect(service.load).toEqual({ active: 1, queued: 0 });
    first.finish();
    await running;
    await expect(service.run('polling', async () => 'now')).resolves.toBe('now');
  });

  it('gives the slot back when work fails', async () => {
    const service = admission();
    await expect(service.run('polling', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(service.load).toEqual({ active: 0, queued: 0 });
  });
});
