import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import type { ResolvedLimits } from '../options/resolved-options.interface.js';
import { InjectPhoneCallAuthOptions } from '../options/option-slices.js';
import { StatementRunner } from '../database/statement-runner.js';
import { clientKey } from '../http/client-address.js';
import { ClientAddressService } from '../http/client-address.service.js';
import { PhoneCallAuthTelemetry } from '../telemetry/phone-call-auth.telemetry.js';
import { selectNotPending } from './realtime.sql.js';
import type { ClosingConnection } from './closing-connection.js';
import { type WaitDone, Waiter, type WaiterOwner } from './verification-waiter.js';
import { ServerBusyException, TooManyWaitersException } from './too-many-waiters.exception.js';

/** How long shutdown waits for the waiters' last answers. */
const SHUTDOWN_GRACE_MS = 5_000;
/** The sleeping waiters' one timer ticks this often: a waiter wakes at most this much late. */
const TICK_MS = 100;
/** The longest sleep (a timer's own limit is 2^31 - 1 ms). */
const MAX_SLEEP_MS = 2 ** 31 - 1;

/** Where a held request's client may leave, its address, and the result of a check made already (see `mark`). */
export interface WaitOptions<T> {
  ip?: string;
  connection?: ClosingConnection;
  checked?: { result: T; mark: number };
}

/**
 * Requests held until a verification leaves `pending`: an in-memory map of verification id to
 * waiters. A waiter costs no database work while it waits: it checks the verification when it
 * registers, then once more when woken (by {@link VerificationListenerService}'s NOTIFY, by the
 * verification's window closing, by its deadline or by shutdown). At most `limits.waiters.perInstance` wait at
 * once on an instance; beyond that the route answers 503.
 */
@Injectable()
export class VerificationWaitersService implements BeforeApplicationShutdown, WaiterOwner {
  private readonly logger = new Logger(VerificationWaitersService.name);
  /** By verification id: its one waiter, or a set of them when several wait for it. */
  private readonly waiters = new Map<string, Waiter | Set<Waiter>>();
  /** The waiters by their connection, for the one `close` listener every connection shares. */
  private readonly byConnection = new Map<ClosingConnection, Waiter>();
  private shuttingDown = false;
  /** Wake-ups so far (for any verification, waited for or not), see {@link mark}. */
  private wakeUps = 0;
  /** Waiting requests per client address (IPv4, IPv6 /64). */
  private readonly perAddress = new Map<string, number>();
  private count = 0;
  /** Set during shutdown: called once the last waiter is gone. */
  private drained?: () => void;
  /** Sleeping waiters by the tick (`Date.now() / TICK_MS`, rounded up) they wake at; one timer for all. */
  private readonly sleepers = new Map<number, Set<Waiter>>();
  private ticker?: NodeJS.Timeout;
  /** The last tick the timer has woken the waiters of. */
  private lastTick = 0;

  constructor(
    @InjectPhoneCallAuthOptions('limits') private readonly limits: ResolvedLimits,
    private readonly statements: StatementRunner,
    private readonly addresses: ClientAddressService,
    telemetry: PhoneCallAuthTelemetry,
  ) {
    telemetry.observeWaiters(() => this.count);
    const byConnection = this.byConnection;
    // A plain function: the emitter is its `this`.
    this.connectionClosed = function (this: ClosingConnection) {
      byConnection.get(this)?.leave();
    };
  }

  /** The `close` listener on every waiter's connection (one function for all). */
  private readonly connectionClosed: () => void;

  /** Set at shutdown: waiters woken then answer without waiting again. */
  get closing(): boolean {
    return this.shuttingDown;
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
   *
   * `checked` is a result of `check` that the caller started after {@link mark} gave `mark`: it
   * stands for the first check unless something was woken since (then `check` runs again, as a
   * notification for this verification may have come before the waiter was registered).
   * @throws ServerBusyException (503) when `limits.waiters.perInstance` requests wait already
   * @throws TooManyWaitersException (429) when too many wait for this verification or from this address
   */
  hold<T>(
    id: string,
    waitMs: number,
    check: () => Promise<T>,
    pendingUntil: (result: T) => Date | undefined,
    options: WaitOptions<T> = {},
  ): Promise<T> {
    if (waitMs <= 0 || this.closing) return check();
    // The last check's result: the answer, also when the client left while the request slept.
    let last = options.checked?.result;
    const tracked = async () => (last = await check());
    return new Promise<T>((resolve, reject) =>
      this.watch(id, waitMs, tracked, pendingUntil, options, (failure) =>
        failure ? reject(failure.error) : resolve(last as T),
      ),
    );
  }

  /**
   * {@link hold} for a caller that keeps nothing of its own while the request waits (an event
   * stream): `done` is called once, with the last result or the check's failure, instead of a
   * promise settling. Throws as {@link hold} does, before anything runs.
   */
  watch<T>(
    id: string,
    waitMs: number,
    check: () => Promise<T>,
    pendingUntil: (result: T) => Date | undefined,
    options: WaitOptions<T>,
    done: WaitDone<T>,
  ): void {
    this.assertRoom(id, options.ip);
    // The waiter handles results it never looks into, only through `pendingUntil`, which knows their type.
    const waiter = new Waiter(
      this,
      id.toLowerCase(),
      clientKey(options.ip),
      options.connection,
      Date.now() + waitMs,
      check,
      pendingUntil as (result: unknown) => Date | undefined,
      done as WaitDone<unknown>,
    );
    // Registered before the first check: a notification sent while it runs is latched, not lost.
    this.add(waiter);
    const { checked } = options;
    if (checked && checked.mark === this.wakeUps) waiter.checked(checked.result);
    else waiter.run();
  }

  /** Wakes `waiter` with `timeout` at the first tick at least `ms` from now; answers that tick. */
  sleep(waiter: Waiter, ms: number): number {
    const tick = Math.max(Math.ceil((Date.now() + Math.min(ms, MAX_SLEEP_MS)) / TICK_MS), this.lastTick + 1);
    const sleeping = this.sleepers.get(tick);
    if (sleeping) sleeping.add(waiter);
    else this.sleepers.set(tick, new Set([waiter]));
    if (!this.ticker) {
      this.lastTick = Math.floor(Date.now() / TICK_MS) - 1;
      this.ticker = setInterval(() => this.onTick(), TICK_MS).unref();
    }
    return tick;
  }

  unsleep(waiter: Waiter, tick: number): void {
    const sleeping = this.sleepers.get(tick);
    if (sleeping?.delete(waiter) && sleeping.size === 0) this.sleepers.delete(tick);
  }

  /** Wakes the waiters whose tick has come; the timer stops while none sleeps. */
  private onTick(): void {
    const now = Math.floor(Date.now() / TICK_MS);
    for (let tick = this.lastTick + 1; tick <= now; tick++) {
      const sleeping = this.sleepers.get(tick);
      if (!sleeping) continue;
      this.sleepers.delete(tick);
      for (const waiter of sleeping) waiter.wake('timeout');
    }
    this.lastTick = Math.max(this.lastTick, now);
    if (this.sleepers.size === 0) {
      clearInterval(this.ticker);
      this.ticker = undefined;
    }
  }

  /**
   * A mark of the wake-ups so far: a result of `check` read after it can be passed to
   * {@link hold} as its first check, which saves one when nothing was woken meanwhile.
   */
  mark(): number {
    return this.wakeUps;
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
    if (waitingFor(this.waiters.get(id.toLowerCase())) >= perVerification) {
      throw new TooManyWaitersException('for this verification', perVerification);
    }
    const { address } = this.addresses.networksOf(ip, 'limits.waiters.perAddress');
    if ((this.perAddress.get(address) ?? 0) >= perAddress) {
      throw new TooManyWaitersException('from your address', perAddress);
    }
  }

  /** Wakes the requests waiting for this verification (it left `pending`). */
  wake(id: string): void {
    this.wakeUps++;
    const waiting = this.waiters.get(id.toLowerCase());
    if (waiting instanceof Waiter) waiting.wake('notified');
    else for (const waiter of waiting ?? []) waiter.wake('notified');
  }

  /**
   * Wakes the waiters whose verification is no longer pending, found by one statement: for when
   * notifications may have been missed (the LISTEN connection was lost).
   */
  async recheck(): Promise<void> {
    // Notifications may have been missed: a result read before now may be stale.
    this.wakeUps++;
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
    this.shuttingDown = true;
    for (const waiting of [...this.waiters.values()]) {
      if (waiting instanceof Waiter) waiting.wake('shutdown');
      else for (const waiter of [...waiting]) waiter.wake('shutdown');
    }
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
    const waiting = this.waiters.get(key);
    if (!waiting) this.waiters.set(key, waiter);
    else if (waiting instanceof Waiter) this.waiters.set(key, new Set([waiting, waiter]));
    else waiting.add(waiter);
    this.count++;
    if (address) this.perAddress.set(address, (this.perAddress.get(address) ?? 0) + 1);
    if (!connection) return;
    // A client that left while the guard ran has closed already: no event will come.
    if (connection.destroyed) waiter.leave();
    else {
      this.byConnection.set(connection, waiter);
      connection.on('close', this.connectionClosed);
    }
  }

  /** Forgets the waiter everywhere, so nothing keeps it (or its request) once it is done. */
  remove(waiter: Waiter): void {
    const { key, address, connection } = waiter;
    if (connection && this.byConnection.get(connection) === waiter) {
      this.byConnection.delete(connection);
      connection.removeListener('close', this.connectionClosed);
    }
    const waiting = this.waiters.get(key);
    if (waiting === waiter) {
      this.waiters.delete(key);
      this.count--;
    } else if (waiting instanceof Set && waiting.delete(waiter)) {
      this.count--;
      if (waiting.size === 1) this.waiters.set(key, [...waiting][0]);
    } else return;
    if (address) {
      const left = (this.perAddress.get(address) ?? 1) - 1;
      if (left > 0) this.perAddress.set(address, left);
      else this.perAddress.delete(address);
    }
    if (this.count === 0) this.drained?.();
  }
}

/** How many wait for one verification. */
function waitingFor(waiting: Waiter | Set<Waiter> | undefined): number {
  return waiting instanceof Waiter ? 1 : (waiting?.size ?? 0);
}
