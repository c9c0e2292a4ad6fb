import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { PHONE_CALL_AUTH_DATA_SOURCE } from '../core/phone-call-auth.constants.js';
import { PHONE_CALL_AUTH_DEFAULTS } from '../options/phone-call-auth.defaults.js';
import type { ResolvedDatabaseOptions, ResolvedJwtOptions } from '../options/resolved-options.interface.js';
import { InjectPhoneCallAuthOptions } from '../options/option-slices.js';
import { REFRESH_TOKEN_TABLE } from './entities/refresh-token.entity.js';
import { RATE_LIMIT_TABLE } from './entities/rate-limit.entity.js';
import { EVENT_TABLE } from './entities/event.entity.js';
import { INBOUND_CALL_TABLE } from './entities/inbound-call.entity.js';
import { queryRows } from './query-rows.js';
import { VERIFICATION_TABLE } from './entities/verification.entity.js';

/** Any fixed number, the same on every instance: the advisory lock that lets one purge at a time. */
const PURGE_LOCK = 0x70686f6e; // 'phon'

/**
 * Deletes, in one transaction under a transaction-scoped advisory lock (so one instance at a time
 * does it), inbound-call records, events and verifications older than the retention and rate-limit
 * counters whose window has ended, and refresh-token families past their lifetime, revoked longer
 * than the retention ago, or whose verification is gone (whole families, so no row of a revoked
 * family survives to look live). Pending verifications are kept until their window is long over,
 * and a redeemed one as long as a live refresh-token family started from it: deleting it would end
 * that sign-in.
 * $1 retention seconds, $2 refresh-token family lifetime seconds.
 */
const PURGE = `
  WITH locked AS (SELECT pg_try_advisory_xact_lock(${PURGE_LOCK}) AS got),
  calls AS (
    DELETE FROM ${INBOUND_CALL_TABLE} WHERE (SELECT got FROM locked) AND received_at < now() - make_interval(secs => $1)
    RETURNING 1
  ), events AS (
    DELETE FROM ${EVENT_TABLE} WHERE (SELECT got FROM locked) AND at < now() - make_interval(secs => $1)
    RETURNING 1
  ), verifications AS (
    DELETE FROM ${VERIFICATION_TABLE} v
    WHERE (SELECT got FROM locked) AND created_at < now() - make_interval(secs => $1)
      AND (status <> 'pending' OR expires_at < now() - make_interval(secs => $1))
      AND NOT EXISTS (
        SELECT 1 FROM ${REFRESH_TOKEN_TABLE} r
        WHERE r.verification_id = v.id AND r.revoked_at IS NULL AND r.family_created_at > now() - make_interval(secs => $2)
      )
    RETURNING 1
  ), counters AS (
    DELETE FROM ${RATE_LIMIT_TABLE} WHERE (SELECT got FROM locked) AND resets_at < now()
    RETURNING 1
  ), refresh AS (
    DELETE FROM ${REFRESH_TOKEN_TABLE}
    WHERE (SELECT got FROM locked) AND family_id IN (
      SELECT f.family_id FROM ${REFRESH_TOKEN_TABLE} f
      WHERE f.family_created_at < now() - make_interval(secs => $2) OR f.revoked_at < now() - make_interval(secs => $1)
        OR (f.verification_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${VERIFICATION_TABLE} v WHERE v.id = f.verification_id))
    )
    RETURNING 1
  )
  SELECT (SELECT got FROM locked) AS "ran",
    (SELECT count(*) FROM calls)::int AS "inboundCalls",
    (SELECT count(*) FROM events)::int AS "events",
    (SELECT count(*) FROM verifications)::int AS "verifications",
    (SELECT count(*) FROM counters)::int AS "rateLimitCounters",
    (SELECT count(*) FROM refresh)::int AS "refreshTokens"`;

/** What one purge deleted; `ran` is false when another instance held the lock. */
export interface PurgeResult {
  ran: boolean;
  inboundCalls: number;
  /** Dashboard and support-history events (`phone_call_auth_event`). */
  events: number;
  verifications: number;
  rateLimitCounters: number;
  refreshTokens: number;
}

/** Keeps personal data no longer than the retention (default 24 h): purges on a timer, one instance at a time. */
@Injectable()
export class PurgeService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PurgeService.name);
  private timer?: NodeJS.Timeout;

  constructor(
    @InjectPhoneCallAuthOptions('database') private readonly database: ResolvedDatabaseOptions,
    @InjectPhoneCallAuthOptions('jwt') private readonly jwt: ResolvedJwtOptions,
    @Inject(PHONE_CALL_AUTH_DATA_SOURCE) private readonly dataSource: DataSource,
  ) {}

  onApplicationBootstrap(): void {
    const { purge } = this.database;
    if (!purge) return;
    this.timer = setInterval(() => {
      this.purge().catch((error: Error) => this.logger.warn(`Purge failed, will try again: ${error.message}`));
    }, purge.intervalSeconds * 1000);
    // The timer must not keep a process alive that is otherwise done.
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Deletes what is older than the retention now (also when the timer is off: `purge: false`). */
  async purge(
    retentionSeconds = this.database.purge
      ? this.database.purge.retentionSeconds
      : PHONE_CALL_AUTH_DEFAULTS.purge.retentionSeconds,
  ): Promise<PurgeResult> {
    const [result] = await queryRows<PurgeResult>(this.dataSource, {
      text: PURGE,
      values: [retentionSeconds, this.jwt.refreshTokens.lifetimeSeconds],
    });
    if (
      result.inboundCalls + result.events + result.verifications + result.rateLimitCounters + result.refreshTokens >
      0
    ) {
      this.logger.log(
        `Purged ${result.verifications} verifications, ${result.inboundCalls} inbound calls, ${result.events} events, ` +
          `${result.rateLimitCounters} rate-limit counters, ${result.refreshTokens} refresh tokens`,
      );
    }
    return result;
  }
}
