import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import type { ResolvedLimits } from '../options/resolved-options.interface.js';
import { InjectPhoneCallAuthOptions } from '../options/option-slices.js';
import { StatementRunner } from '../database/statement-runner.js';
import { clientKey } from '../http/client-address.js';
import { ClientAddressService } from '../http/client-address.service.js';
import { PhoneCallAuthTelemetry } from '../telemetry/phone-call-auth.telemetry.js';
import { selectNotPending } from './realtime.sql.js';
import type { ClosingConnection } from './closing-connection.js';
import { ServerBusyException, TooManyWaitersException } from './too-many-waiters.exception.js';

/** Why a waiter woke up. */
type WakeReason = 'notified' | 'timeout' | 'shutdown' | 'aborted';

/** A pending verification's window closes on the app clock a little after the database's. */
const EXPIRY_MARGIN_MS = 250;
/** How long shutdown waits for the waiters' last answers. */
const SHUTDOWN_GRACE_MS = 5_000;

/**
 * One held request: woken by a notification (latched, so none is lost between checks), a timer,
 * shutdown, or its client leaving (for good: it is not woken for anything else after that). Its
 * own fields carry what {@link VerificationWaitersService} needs to forget it, so that a waiting
 * request costs little: this object, its two bound callbacks, one timer and one `close` listener
 * on its response (no AbortController, no closures per wait).
 */
class Waiter {
  private latched?: WakeReason;
  private resolve?: (reason: WakeReason) => void;
  private timer?: NodeJS.Timeout;
  private gone = false;
  /** Bound once: the listener on the connection's `close`, removed when the waiter is done. */
  readonly leave = (): void => {
    this.gone = true;
    this.wake('aborted');
  };

  constructor(
    readonly key: string,
    readonly address: string | undefined,
    readonly connection: ClosingConnection | undefined,
  ) {}

  wake(reason: WakeReason): void {
    const resolve = this.resolve;
    if (!resolve) {
      this.latched ??= reason;
      return;
    }
    clearTimeout(this.timer);
    this.resolve = this.timer = undefined;
    resolve(reason);
  }

  next(timeoutMs: number): Promise<WakeReason> {
    if (this.gone) return Promise.resolve('aborted');
    const latched = this.latched;
    this.latched = undefined;
    if (latched) return Promise.resolve(latched);
    return new Promise((resolve) => {
      this.resolve = resolve;
      this.timer = setTimeout(this.expire, Math.max(0, timeoutMs));
    });
  }

  private readonly expire = (): void => this.wake('timeout');
}

/**
 * Requests held until a verification leaves `pending`: an in-memory map of verification id to
 * waiters. A waiter costs no database work while it waits: it checks the verification when it
 * registers, then once more when woken (by {@link VerificationListenerService}'s NOTIFY, by the
 * verification's window closing, by its deadline or by shutdown). At most `limits.waiters.perInstance` wait at
 * once on an instance; beyond that the route answers 503.
 */
@Injectable()
export class VerificationWaitersService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(VerificationWaitersService.name);
  private readonly waiters = new Map<string, Set<Waiter>>();
  /** Waiting requests per client address (IPv4, IPv6 /64). */
  private readonly perAddress = new Map<string, number>();
  private count = 0;
  private closing = false;
  /** Set during shutdown: called once the last waiter is gone. */
  private drained?: () => void;

  constructor(
    @InjectPhoneCallAuthOptions('limits') private readonly limits: ResolvedLimits,
    private readonly statements: StatementRunner,
    private readonly addresses: ClientAddressService,
    telemetry: PhoneCallAuthTelemetry,
  ) {
    telemetry.observeWaiters(() => this.count);
  }

  /** How many requests wait on this instance now. */
  get size(): number {
    return this.count;
  }

  /**
   * Runs `check`, and while `pendingUntil` of its result gives a date (the end of the
   * verification's window), waits for a wake-up and runs `check` once more, until `waitMs` have
   * passed. Returns the last result: pending when nothing happened in time, on shutdown, or when
   * `connection` closed (its client left: then `check` is not run again).
   * @throws ServerBusyException (503) when `limits.waiters.perInstance` requests wait already
   * @throws TooManyWaitersException (429) when too many wait for this verification or from this address
   */
  async hold<T>(
    id: string,
    waitMs: number,
    check: () => Promise<T>,
    pendingUntil: (result: T) => Date | undefined,
    options: { ip?: string; connection?: ClosingConnection } = {},
  ): Promise<T> {
    if (waitMs <= 0 || this.closing) return check();
    this.assertRoom(id, options.ip);
    const deadline = Date.now() + waitMs;
    const waiter = new Waiter(id.toLowerCase(), clientKey(options.ip), options.connection);
    // Registered before the first check: a notification sent while it runs is latched, not lost.
    this.add(waiter);
    // One async frame per waiter, not two: a suspended one is kept, with its locals, while it waits.
    try {
      let result = await check();
      let expiresAt = pendingUntil(result)?.getTime();
      while (expiresAt !== undefined && !this.closing) {
        const now = Date.now();
        if (now >= deadline) break;
        // Nobody notifies when a window closes: wake up for that too (once it is past, only the deadline).
        const untilExpiry = expiresAt + EXPIRY_MARGIN_MS - now;
        const reason = await waiter.next(Math.min(deadline - now, untilExpiry > 0 ? untilExpiry : Infinity));
        // The client left: nobody reads the answer, so no check (a redeem would spend the token).
        if (reason === 'aborted') break;
        result = await check();
        expiresAt = pendingUntil(result)?.getTime();
      }
      return result;
    } finally {
      this.remove(waiter);
    }
  }

  /**
   * @throws ServerBusyException (503) when `limits.waiters.perInstance` requests wait already
   * @throws TooManyWaitersException (429) when `limits.waiters.perVerification` wait for this
   *   verification, or `limits.waiters.perAddress` from this client address
   * @throws ClientAddressUnknownException (503) when `ip` is no address: `limits.waiters.perAddress` could not count it
   */
  assertRoom(id: string, ip?: string): void {
    const { perInstance, perVerification, perAddress } = this.limits.waiters;
    if (this.count >= perInstance) {
      throw new ServerBusyException(perInstance);
    }
    if ((this.waiters.get(id.toLowerCase())?.size ?? 0) >= perVerification) {
      throw new TooManyWaitersException('for this verification', perVerification);
    }
    const { address } = this.addresses.networksOf(ip, 'limits.waiters.perAddress');
    if ((this.perAddress.get(address) ?? 0) >= perAddress) {
      throw new TooManyWaitersException('from your address', perAddress);
    }
  }

  /** Wakes the requests waiting for this verification (it left `pending`). */
  wake(id: string): void {
    for (const waiter of this.waiters.get(id.toLowerCase()) ?? []) waiter.wake('notified');
  }

  /**
   * Wakes the waiters whose verification is no longer pending, found by one statement: for when
   * notifications may have been missed (the LISTEN connection was lost).
   */
  async recheck(): Promise<void> {
    const ids = [...this.waiters.keys()];
    if (ids.length === 0) return;
    try {
      // Outside admission control: it runs once per lost connection, and waiting for a slot would delay every waiter.
      const rows = await this.statements.queryRows<{ id: string }>(selectNotPending(ids));
      for (const { id } of rows) this.wake(id);
    } catch (error) {
      // Without the answer, every waiter checks its own verification.
      this.logger.warn(`Recheck of ${ids.length} waiting verifications failed: ${(error as Error).message}`);
      for (const id of ids) this.wake(id);
    }
  }

  /** Answers every waiting request (its final state, or pending) before the database goes away. */
  async beforeApplicationShutdown(): Promise<void> {
    this.closing = true;
    for (const waiters of this.waiters.values()) for (const waiter of waiters) waiter.wake('shutdown');
    if (this.count > 0) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.drained = resolve;
        timer = setTimeout(resolve, SHUTDOWN_GRACE_MS);
      });
      clearTimeout(timer);
    }
    // One turn of the event loop for the routes to write those answers before the server closes.
    await new Promise((resolve) => setImmediate(resolve));
  }

  private add(waiter: Waiter): void {
    const { key, address, connection } = waiter;
    const set = this.waiters.get(key) ?? new Set<Waiter>();
    set.add(waiter);
    this.waiters.set(key, set);
    this.count++;
    if (address) this.perAddress.set(address, (this.perAddress.get(address) ?? 0) + 1);
    // A client that left while the guard ran has closed already: no event will come.
    if (connection?.destroyed) waiter.leave();
    else connection?.once('close', waiter.leave);
  }

  /** Forgets the waiter everywhere, so nothing keeps it (or its request) once it is done. */
  private remove(waiter: Waiter): void {
    const { key, address, connection } = waiter;
    connection?.removeListener('close', waiter.leave);
    const set = this.waiters.get(key);
    if (set?.delete(waiter)) this.count--;
    if (set?.size === 0) this.waiters.delete(key);
    if (address) {
      const left = (this.perAddress.get(address) ?? 1) - 1;
      if (left > 0) this.perAddress.set(address, left);
      else this.perAddress.delete(address);
    }
    if (this.count === 0) this.drained?.();
  }
}
