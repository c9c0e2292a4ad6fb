import { Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { ResolvedLimits } from '../options/resolved-options.interface.js';
import { InjectPhoneCallAuthOptions } from '../options/option-slices.js';
import { InjectPhoneCallAuthDataSource } from '../core/phone-call-auth.constants.js';
import { PhoneCallAuthTelemetry } from '../telemetry/phone-call-auth.telemetry.js';
import { DatabaseBusyException } from './database-busy.exception.js';

/**
 * Which queue a piece of database work waits in: starts and the platform's callbacks (`priority`)
 * go before polling (token, events, cancel, refresh).
 */
export type AdmissionClass = 'priority' | 'polling';

/** The pool size node-postgres uses when the data source sets none. */
const PG_DEFAULT_POOL_SIZE = 10;

interface Ticket {
  admit(): void;
}

/**
 * Admission control in front of the module's database work: at most `maxConcurrent` operations
 * (default: the pool's size) run at once; the others wait in one of two bounded queues, and a
 * freed slot goes to the priority queue first. A request that finds its queue full, or waits
 * longer than `queueTimeoutMs`, is answered 503 with `Retry-After` at once, so a flood of polling
 * never makes a start or a callback wait for the pool, and nothing waits without bound.
 *
 * Written by hand: it is a counter and two arrays, and the queueing libraries on npm (p-queue,
 * p-limit) have no bound on a queue's length with an immediate refusal, nor priorities that
 * interact with one.
 */
@Injectable()
export class AdmissionService {
  private readonly maxConcurrent: number;
  private readonly queues: Record<AdmissionClass, Ticket[]> = { priority: [], polling: [] };
  private active = 0;

  constructor(
    @InjectPhoneCallAuthOptions('limits') private readonly limits: ResolvedLimits,
    @InjectPhoneCallAuthDataSource() dataSource: DataSource,
    private readonly telemetry: PhoneCallAuthTelemetry,
  ) {
    const { poolSize, extra } = dataSource.options as { poolSize?: number; extra?: { max?: number } };
    this.maxConcurrent =
      (limits.admission && limits.admission.maxConcurrent) || poolSize || extra?.max || PG_DEFAULT_POOL_SIZE;
  }

  /** Operations running now, and waiting, for monitoring. */
  get load(): { active: number; queued: number } {
    return { active: this.active, queued: this.queues.priority.length + this.queues.polling.length };
  }

  /**
   * Runs `work` once a slot is free.
   * @throws DatabaseBusyException (503) when the queue is full or the wait too long
   */
  async run<T>(admission: AdmissionClass, work: () => Promise<T>): Promise<T> {
    const settings = this.limits.admission;
    if (!settings) return work();
    if (this.active < this.maxConcurrent) this.active++;
    else await this.wait(admission, settings);
    try {
      return await work();
    } finally {
      const next = this.queues.priority.shift() ?? this.queues.polling.shift();
      // The slot passes to the next in line; only when nobody waits is it given back.
      if (next) next.admit();
      else this.active--;
    }
  }

  private refused(): DatabaseBusyException {
    this.telemetry.refused('admission');
    return new DatabaseBusyException();
  }

  private wait(admission: AdmissionClass, settings: Exclude<ResolvedLimits['admission'], false>): Promise<void> {
    const queue = this.queues[admission];
    const limit = admission === 'priority' ? settings.maxQueuedPriority : settings.maxQueuedPolling;
    if (queue.length >= limit) return Promise.reject(this.refused());
    return new Promise((resolve, reject) => {
      const ticket: Ticket = {
        admit: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        queue.splice(queue.indexOf(ticket), 1);
        reject(this.refused());
      }, settings.queueTimeoutMs);
      queue.push(ticket);
    });
  }
}
