import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { ClientConfig, Notification } from 'pg';
import type { DataSource } from 'typeorm';
import { pgClientConfig } from '../database/pg-client-config.js';
import { PHONE_CALL_AUTH_DATA_SOURCE } from '../core/phone-call-auth.constants.js';
import { InjectPhoneCallAuthOptions } from '../options/option-slices.js';
import type { ResolvedDatabaseOptions } from '../options/resolved-options.interface.js';
import { notifyProbe, VERIFICATION_CHANNEL } from './realtime.sql.js';
import { LISTENER_APPLICATION_NAME } from './realtime.constants.js';
import { VerificationWaitersService } from './verification-waiters.service.js';

/** Reconnection delays: from this, doubling up to the maximum, each with random jitter. */
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5_000;
/** How long the LISTEN connection may take to hear its own probe before the module says it is deaf. */
const PROBE_TIMEOUT_MS = 5_000;
/** Starts the payload of a probe: never a verification id (a UUID), so other instances ignore it. */
const PROBE_PREFIX = 'probe:';

/**
 * The instance's one LISTEN connection: a `pg.Client` of its own (not a pool connection, which
 * would be returned to the pool and lose the LISTEN), built from the data source's settings and
 * named {@link LISTENER_APPLICATION_NAME} in `pg_stat_activity`. Each notification on
 * {@link VERIFICATION_CHANNEL} wakes the requests waiting for that verification, whichever
 * instance changed it. When the connection is lost it is opened again, with backoff, and every
 * waiting verification is checked once, since notifications sent meanwhile were not received.
 * Without the connection, waiting requests are answered at their deadline.
 *
 * It connects to `listenUrl` when set, which must reach Postgres itself: through a transaction
 * pooler LISTEN hears nothing. So after each LISTEN it sends a probe notification through the
 * data source's pool, and logs an error when the probe is not heard.
 */
@Injectable()
export class VerificationListenerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(VerificationListenerService.name);
  private readonly config?: ClientConfig;
  private client?: pg.Client;
  private retryTimer?: NodeJS.Timeout;
  private attempts = 0;
  private closed = false;
  /** The payload of the probe not heard yet, and the timer that gives up on it. */
  private probe?: { payload: string; timer?: NodeJS.Timeout };

  constructor(
    @Inject(PHONE_CALL_AUTH_DATA_SOURCE) private readonly dataSource: DataSource,
    @InjectPhoneCallAuthOptions('database') database: ResolvedDatabaseOptions,
    private readonly waiters: VerificationWaitersService,
  ) {
    this.config = pgClientConfig(dataSource.options, LISTENER_APPLICATION_NAME, database.listenUrl);
  }

  /** True while the LISTEN connection is up. */
  get listening(): boolean {
    return !!this.client;
  }

  /** Opens the connection; the app starts even when this fails (it is retried in the background). */
  async onApplicationBootstrap(): Promise<void> {
    if (!this.config) {
      this.logger.warn('The data source is not Postgres: waiting requests are answered at their deadline only.');
      return;
    }
    await this.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.probe?.timer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    this.retryTimer = undefined;
    let client: pg.Client | undefined;
    try {
      client = this.open();
      await client.connect();
      await client.query(`LISTEN ${VERIFICATION_CHANNEL}`);
    } catch (error) {
      await client?.end().catch(() => undefined);
      this.retry(error as Error);
      return;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    if (this.attempts > 0) this.logger.log(`LISTEN connection back after ${this.attempts} attempts`);
    this.attempts = 0;
    // Notifications sent while nothing listened are lost: check every waiting verification once.
    void this.waiters.recheck();
    void this.sendProbe(client);
  }

  /**
   * Notifies the channel through the pool, as the verification statements do: a LISTEN that does
   * not reach Postgres itself (a transaction pooler in between) never hears it.
   */
  private async sendProbe(client: pg.Client): Promise<void> {
    clearTimeout(this.probe?.timer);
    const probe: { payload: string; timer?: NodeJS.Timeout } = { payload: `${PROBE_PREFIX}${randomUUID()}` };
    this.probe = probe;
    try {
      const { text, values } = notifyProbe(probe.payload);
      await this.dataSource.query(text, values);
    } catch {
      // The pool is unavailable: nothing to conclude about the LISTEN connection.
      if (this.probe === probe) this.probe = undefined;
      return;
    }
    if (this.probe !== probe) return;
    probe.timer = setTimeout(() => {
      if (this.probe !== probe || this.client !== client) return;
      this.probe = undefined;
      this.logger.error(
        `The LISTEN connection hears no notification (none within ${PROBE_TIMEOUT_MS / 1000} s of one sent ` +
          'through the pool): it goes through a transaction pooler (PgBouncer pool_mode = transaction...), so ' +
          'waiting requests are answered only at their deadline, on every instance. Set the module option ' +
          'listenUrl to a URL straight to Postgres (see "PgBouncer and other poolers" in docs/operations.md).',
      );
    }, PROBE_TIMEOUT_MS);
    probe.timer.unref();
  }

  private heard(payload: string): boolean {
    if (!payload.startsWith(PROBE_PREFIX)) return false;
    if (this.probe?.payload === payload) {
      clearTimeout(this.probe.timer);
      this.probe = undefined;
    }
    return true;
  }

  private open(): pg.Client {
    const client = new pg.Client(this.config);
    // Without an 'error' listener a lost connection would crash the process.
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client));
    client.on('notification', (message: Notification) => {
      if (message.channel !== VERIFICATION_CHANNEL || !message.payload || this.heard(message.payload)) return;
      this.waiters.wake(message.payload);
    });
    return client;
  }

  private lost(client: pg.Client, error?: Error): void {
    if (this.client !== client) return;
    this.client = undefined;
    client.end().catch(() => undefined);
    this.retry(error ?? new Error('the connection ended'));
  }

  private retry(error: Error): void {
    if (this.closed || this.retryTimer) return;
    const delay = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** this.attempts) * (0.5 + Math.random() / 2);
    if (this.attempts === 0) {
      this.logger.warn(
        `LISTEN connection unavailable (${error.message}); reconnecting, long-polls end at their deadline`,
      );
    }
    this.attempts++;
    this.retryTimer = setTimeout(() => void this.connect(), delay);
    // A pending reconnection must not keep a process alive that is otherwise done.
    this.retryTimer.unref();
  }
}
