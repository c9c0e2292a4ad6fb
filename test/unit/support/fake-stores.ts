import type { InboundCallOutcome } from '../../../lib/core/verification-state.js';
import { timingSafeEqual } from 'node:crypto';
import type { VerificationCandidate } from '../../../lib/options/phone-call-auth-options.interface.js';
import type { E164 } from '../../../lib/phone/phone-number.js';
import type { EventRow, HistoryRow, OpsEventStore } from '../../../lib/ops/ops-event.store.js';
import type { ClaimedWait } from '../../../lib/verification/status-poller.sql.js';
import type {
  InboundCallRecord,
  InboundCallStore,
  MatchedCall,
  RecordedCall,
} from '../../../lib/verification/inbound-call.store.js';
import type {
  CodeCheckRow,
  NewVerification,
  TakenRow,
  VerificationRow,
  VerificationStore,
} from '../../../lib/verification/verification.store.js';

/*
 * In-memory stores for the unit tests of the use cases: the same answers as the Postgres stores on
 * the paths these tests take, with none of their concurrency (the e2e suite tests that on Postgres).
 */

/** A verification as the fake keeps it. */
export interface FakeVerification extends NewVerification {
  status: VerificationRow['status'];
  expiresAt: Date;
  codeAttempts: number;
  verifiedAt?: Date;
  takenWithRefreshToken?: Buffer | null;
}

const equal = (a: Buffer, b: Buffer) => a.length === b.length && timingSafeEqual(a, b);

/** The verification store in memory: one pending verification per phone, windows on the test's clock. */
export class InMemoryVerificationStore implements VerificationStore {
  readonly rows = new Map<string, FakeVerification>();
  /** Wait ids the platform said expired. */
  readonly expiredWaits: string[] = [];

  async insert(verification: NewVerification) {
    const now = new Date();
    for (const row of this.rows.values()) {
      if (row.phone === verification.phone && row.status === 'pending') row.status = 'canceled';
    }
    const expiresAt = new Date(now.getTime() + verification.windowSeconds * 1000);
    this.rows.set(verification.id, { ...verification, status: 'pending', expiresAt, codeAttempts: 0 });
    return { id: verification.id, expiresAt, now };
  }

  async busyNumbers(): Promise<{ callTo: E164; freesIn: number }[]> {
    return [];
  }

  async find(id: string): Promise<VerificationRow | undefined> {
    const row = this.rows.get(id);
    if (!row) return undefined;
    return {
      id,
      phone: row.phone,
      secretHash: row.secretHash,
      expiresAt: row.expiresAt,
      status: row.status === 'pending' && row.expiresAt <= new Date() ? 'expired' : row.status,
      channel: row.channel,
      hasCode: row.codeHash !== null,
      codeAttempts: row.codeAttempts,
      failReason: row.status === 'failed' ? 'too_many_attempts' : null,
      subject: row.subject,
      verifiedAt: row.verifiedAt ?? null,
    };
  }

  async checkCode(p: { id: string; secretHash: Buffer; codeHash: Buffer; maxAttempts: number }): Promise<CodeCheckRow> {
    const row = this.rows.get(p.id);
    if (
      !row ||
      !equal(row.secretHash, p.secretHash) ||
      row.codeHash === null ||
      row.status !== 'pending' ||
      row.codeAttempts >= p.maxAttempts
    ) {
      return { row: await this.find(p.id) };
    }
    if (equal(row.codeHash, p.codeHash)) {
      row.status = 'verified';
      row.verifiedAt = new Date();
    } else {
      row.codeAttempts++;
      if (row.codeAttempts >= p.maxAttempts) row.status = 'failed';
    }
    return { checked: { status: row.status, phone: row.phone as E164, codeAttempts: row.codeAttempts } };
  }

  async take(p: {
    id: string;
    secretHash: Buffer;
    refreshTokenHash: Buffer | null;
    subject: string | null;
  }): Promise<TakenRow> {
    const row = this.rows.get(p.id);
    if (!row || !equal(row.secretHash, p.secretHash)) {
      return { takenPhone: null, verifiedAt: null, status: null, expiresAt: null, subjectMatches: null };
    }
    const subjectMatches = row.subject === p.subject;
    if (row.status === 'verified' && subjectMatches) {
      row.status = 'consumed';
      row.takenWithRefreshToken = p.refreshTokenHash;
      const { verifiedAt = null, expiresAt } = row;
      return { takenPhone: row.phone as E164, verifiedAt, status: 'consumed', expiresAt, subjectMatches };
    }
    const seen = await this.find(p.id);
    return { takenPhone: null, verifiedAt: null, status: seen!.status, expiresAt: row.expiresAt, subjectMatches };
  }

  async cancel(p: { id: string; secretHash: Buffer }): Promise<{ canceled: boolean; row?: VerificationRow }> {
    const row = this.rows.get(p.id);
    if (row && equal(row.secretHash, p.secretHash) && ['pending', 'verified'].includes(row.status)) {
      row.status = 'canceled';
      return { canceled: true };
    }
    return { canceled: false, row: await this.find(p.id) };
  }

  async expireWait(provider: string, waitId: string): Promise<boolean> {
    this.expiredWaits.push(`${provider}:${waitId}`);
    const row = [...this.rows.values()].find(
      (each) => each.provider === provider && each.waitId === waitId && each.status === 'pending',
    );
    if (row) row.status = 'expired';
    return !!row;
  }

  async claimWaits(): Promise<ClaimedWait[]> {
    return [];
  }

  async releaseWaits(): Promise<void> {}
}

/** The inbound-call store in memory, over an {@link InMemoryVerificationStore}: a call verifies the one pending verification of its caller. */
export class InMemoryInboundCallStore implements InboundCallStore {
  readonly recorded: (InboundCallRecord & RecordedCall)[] = [];

  constructor(private readonly verifications: InMemoryVerificationStore) {}

  async findCandidates(call: InboundCallRecord): Promise<VerificationCandidate[]> {
    return this.fits(call).map((row) => ({ id: row.id, phone: row.phone as E164 }));
  }

  async match(call: InboundCallRecord, p: { approvedId: string | null; onlyApproved: boolean }): Promise<MatchedCall> {
    const fits = this.fits(call);
    const target = fits.length === 1 && (!p.onlyApproved || fits[0].id === p.approvedId) ? fits[0] : undefined;
    let outcome: InboundCallOutcome = fits.length > 1 ? 'ambiguous' : 'no_match';
    if (target) {
      target.status = 'verified';
      target.verifiedAt = new Date();
      outcome = 'matched';
    }
    const recorded = await this.record(call, outcome, target?.id ?? null);
    return {
      ...recorded,
      verifiedId: target?.id ?? null,
      verifiedAt: target?.verifiedAt ?? null,
      phone: (target?.phone as E164) ?? null,
    };
  }

  async record(call: InboundCallRecord, outcome: InboundCallOutcome, verificationId: string | null) {
    const duplicate = call.callId !== null && this.recorded.some((each) => each.callId === call.callId);
    const row = { ...call, outcome: duplicate ? ('duplicate' as const) : outcome, verificationId };
    this.recorded.push(row);
    return { outcome: row.outcome, verificationId: row.verificationId };
  }

  private fits(call: InboundCallRecord): FakeVerification[] {
    return [...this.verifications.rows.values()].filter(
      (row) =>
        row.phone === call.caller &&
        row.provider === call.provider &&
        row.status === 'pending' &&
        row.channel !== 'sms' &&
        (call.dialed === null || row.callTo === call.dialed),
    );
  }
}

/** The event store in memory: the rows written outside the hot statements (reads are the e2e suite's). */
export class InMemoryOpsEventStore implements OpsEventStore {
  readonly rows: EventRow[] = [];

  async insert(rows: readonly EventRow[]): Promise<void> {
    this.rows.push(...rows);
  }

  async history(): Promise<HistoryRow[]> {
    throw new Error('not in memory');
  }

  async summary(): Promise<never> {
    throw new Error('not in memory');
  }
}
