import type { ClosingConnection } from './closing-connection.js';

/** Why a waiter woke up. */
export type WakeReason = 'notified' | 'timeout' | 'shutdown' | 'aborted';

/** A pending verification's window closes on the app clock a little after the database's. */
const EXPIRY_MARGIN_MS = 250;

/**
 * Called once when a wait ends: with the last check's result, or with `{ error }` when a check
 * failed; with neither when the client left while it slept (nobody reads the answer then).
 */
export type WaitDone<T> = (failure: { error: unknown } | undefined, result?: T) => void;

/** What a {@link Waiter} asks of the service that holds it. */
export interface WaiterOwner {
  readonly closing: boolean;
  /** Wakes the waiter with `timeout` in `ms` (a little later: the service's timer ticks); answers the tick to cancel. */
  sleep(waiter: Waiter, ms: number): number;
  /** Cancels the wake-up of {@link sleep}. */
  unsleep(waiter: Waiter, tick: number): void;
  remove(waiter: Waiter): void;
}

/**
 * One held request, driven by callbacks rather than an async function, so that while it waits it
 * is this one object and its `done` callback, nothing more (not even the last result) (a suspended async function keeps its
 * whole frame; a promise, its resolvers and reactions; a timer of its own, a `Timeout`; an event
 * listener of its own, a closure and a `once` wrapper): 10,000 open event streams are part of the
 * RSS target in bench/README.md. It checks, then sleeps until a wake-up (a notification, latched
 * so none is lost between checks; its time; shutdown; or its client leaving, for good) and checks
 * again, until the verification is no longer pending or the deadline has passed. Its own fields
 * carry what the service needs to forget it.
 */
export class Waiter {
  private latched?: WakeReason;
  /** The service's timer tick it sleeps until, while it sleeps. */
  private tick?: number;
  private gone = false;

  constructor(
    private readonly owner: WaiterOwner,
    readonly key: string,
    readonly address: string | undefined,
    readonly connection: ClosingConnection | undefined,
    private readonly deadline: number,
    private readonly check: () => Promise<unknown>,
    private readonly pendingUntil: (result: unknown) => Date | undefined,
    private readonly done: WaitDone<unknown>,
  ) {}

  /** Its client left: it finishes without another check (a redeem would spend the token). */
  leave(): void {
    this.gone = true;
    this.wake('aborted');
  }

  wake(reason: WakeReason): void {
    const tick = this.tick;
    if (tick === undefined) {
      this.latched ??= reason;
      return;
    }
    this.tick = undefined;
    if (reason !== 'timeout') this.owner.unsleep(this, tick);
    this.woken(reason);
  }

  /** Runs the check; then finishes, or sleeps until the next wake-up. */
  run(): void {
    let checking: Promise<unknown>;
    try {
      checking = this.check();
    } catch (error) {
      this.fail(error);
      return;
    }
    checking.then(
      (result) => this.checked(result),
      (error: unknown) => this.fail(error),
    );
  }

  /** Goes on from a check's result. */
  checked(result: unknown): void {
    let expiresAt: number | undefined;
    try {
      expiresAt = this.pendingUntil(result)?.getTime();
    } catch (error) {
      this.fail(error);
      return;
    }
    const now = Date.now();
    if (expiresAt === undefined || this.owner.closing || now >= this.deadline || this.gone) {
      this.finish(result);
      return;
    }
    const latched = this.latched;
    this.latched = undefined;
    if (latched) {
      this.woken(latched);
      return;
    }
    // Nobody notifies when a window closes: wake up for that too (once it is past, only the deadline).
    const untilExpiry = expiresAt + EXPIRY_MARGIN_MS - now;
    this.tick = this.owner.sleep(this, Math.min(this.deadline - now, untilExpiry > 0 ? untilExpiry : Infinity));
  }

  private woken(reason: WakeReason): void {
    if (reason === 'aborted') this.finish(undefined);
    else this.run();
  }

  private finish(result: unknown): void {
    this.owner.remove(this);
    this.done(undefined, result);
  }

  private fail(error: unknown): void {
    this.owner.remove(this);
    this.done({ error });
  }
}
