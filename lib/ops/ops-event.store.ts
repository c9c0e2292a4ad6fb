import type { EventRow } from './ops-event.sql.js';
import type { OpsSummary } from './ops.types.js';

export type { EventRow };

/*
 * The event store's port: writing events outside the hot statements (a start the platforms
 * failed, the refusals counted in memory) and the reads of the dashboard and the support history.
 * The module binds {@link OPS_EVENT_STORE} to `PostgresOpsEventStore`.
 */

/** Injection token of the {@link OpsEventStore}. */
export const OPS_EVENT_STORE = Symbol('PHONE_CALL_AUTH_OPS_EVENT_STORE');

/** One step of a verification as stored, numbers whole (the service masks them). */
export interface HistoryRow {
  at: Date;
  what: string;
  outcome: string | null;
  provider: string | null;
  number: string | null;
  durationMs: number | null;
  detail: string | null;
  status: string;
  phone: string;
  channel: string;
  verificationProvider: string;
}

/** Storage of events. */
export interface OpsEventStore {
  /** Writes events in one statement. */
  insert(rows: readonly EventRow[]): Promise<void>;
  /** A verification's steps in order; none when there is no such verification. */
  history(id: string): Promise<HistoryRow[]>;
  /** The dashboard's numbers (the SMS budget is the caller's to add). */
  summary(p: { smsWindowSeconds: number | null; prefixes: number }): Promise<
    Omit<OpsSummary, 'sms'> & {
      sms: Omit<OpsSummary['sms'], 'budget'>;
    }
  >;
}
