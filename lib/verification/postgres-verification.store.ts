import { Injectable, Logger } from '@nestjs/common';
import type { ResolvedVerificationOptions } from '../options/resolved-options.interface.js';
import { InjectPhoneCallAuthOptions } from '../options/option-slices.js';
import { DatabaseBusyException } from '../database/database-busy.exception.js';
import { DatabaseClock } from '../database/database-clock.js';
import { isUniqueViolation } from '../database/query-rows.js';
import { StatementRunner } from '../database/statement-runner.js';
import { VERIFICATION_ONE_PENDING_INDEX } from '../database/entities/verification.entity.js';
import type { E164 } from '../phone/phone-number.js';
import { type ClaimedWait, claimWaits, releaseWaits } from './status-poller.sql.js';
import * as sql from './verification.sql.js';
import type {
  CodeCheckRow,
  NewVerification,
  TakenRow,
  VerificationRow,
  VerificationStore,
} from './verification.store.js';

/**
 * The {@link VerificationStore} on Postgres: the statements of verification.sql.ts and
 * status-poller.sql.ts, each run through admission control (starts, callbacks and the platform's
 * reports in the priority queue, everything a client polls in the polling queue).
 */
@Injectable()
export class PostgresVerificationStore implements VerificationStore {
  private readonly logger = new Logger(PostgresVerificationStore.name);
  private readonly databaseClock = new DatabaseClock();
  private readonly redeemSeconds: number;

  constructor(
    @InjectPhoneCallAuthOptions('verification') verification: ResolvedVerificationOptions,
    private readonly db: StatementRunner,
  ) {
    this.redeemSeconds = verification.redeemSeconds;
  }

  /**
   * Supersedes the phone's pending verification and inserts the new one, in one statement under the
   * phone's lock (see `INSERT_VERIFICATION`). When a concurrent start for the same phone committed
   * after that statement's snapshot, the unique index refuses it: then once more in a transaction
   * that takes the lock before the statement, so that the statement sees every start before it.
   */
  insert(verification: NewVerification): Promise<{ id: string; expiresAt: Date; now: Date } | undefined> {
    type Inserted = { id: string; expiresAt: Date; now: Date };
    const statement = sql.insertVerification(verification);
    return this.db.admit('priority', async () => {
      try {
        return (await this.db.query<Inserted>(statement))[0];
      } catch (error) {
        if (!isUniqueViolation(error, VERIFICATION_ONE_PENDING_INDEX)) throw error;
        return this.db.transaction(async (manager) => {
          await this.db.queryRows(sql.lockKey(`phone:${verification.phone}`), manager);
          return (await this.db.queryRows<Inserted>(statement, manager))[0];
        });
      }
    });
  }

  busyNumbers(phone: E164, provider: string): Promise<{ callTo: E164; freesIn: number }[]> {
    return this.db.run('priority', sql.busyNumbers({ phone, provider }));
  }

  find(id: string): Promise<VerificationRow | undefined> {
    return this.db.admit('polling', () => this.select(id));
  }

  checkCode(p: {
    id: string;
    secretHash: Buffer;
    codeHash: Buffer;
    maxAttempts: number;
    prefixWindowSeconds: number | null;
  }): Promise<CodeCheckRow> {
    return this.db.admit('polling', async () => {
      const [checked] = await this.db.query<{ status: VerificationRow['status']; phone: E164; codeAttempts: number }>(
        sql.verifyCode(p),
      );
      return checked ? { checked } : { row: await this.select(p.id) };
    });
  }

  /**
   * Runs {@link sql.takeVerification} with a deadline on the database's clock: the statement takes
   * nothing once node-postgres has given up waiting for it ({@link DatabaseClock}). A statement
   * that found its deadline passed and still answered in time means the clock estimate was off: it
   * has corrected it, and the statement runs once more.
   * @throws DatabaseBusyException (503) when that happens twice
   */
  take({
    id,
    secretHash,
    refreshTokenHash,
    subject,
  }: {
    id: string;
    secretHash: Buffer;
    refreshTokenHash: Buffer | null;
    subject: string | null;
  }) {
    return this.db.admit('polling', async (): Promise<TakenRow> => {
      for (let attempt = 1; ; attempt++) {
        const sentAt = Date.now();
        const deadline = this.databaseClock.deadline(this.db.queryTimeoutMs, sentAt);
        const [row] = await this.db.query<TakenRow & { serverTime: Date }>(
          sql.takeVerification({
            id,
            secretHash,
            redeemSeconds: this.redeemSeconds,
            refreshTokenHash,
            deadline,
            subject,
          }),
        );
        this.databaseClock.sample(row.serverTime, sentAt, Date.now());
        const late = !row.takenPhone && row.status === 'verified' && deadline !== null && row.serverTime >= deadline;
        if (!late) {
          const { takenPhone, verifiedAt, status, expiresAt, subjectMatches } = row;
          return { takenPhone, verifiedAt, status, expiresAt, subjectMatches };
        }
        this.logger.warn(
          `Redeeming verification ${id} ran ${row.serverTime.getTime() - deadline.getTime()} ms past its deadline ` +
            `on the database's clock (attempt ${attempt} of 2): the database is slow to answer, or its clock ` +
            `and this server's differ by more than estimated.`,
        );
        if (attempt === 2) throw new DatabaseBusyException();
      }
    });
  }

  cancel({
    id,
    secretHash,
  }: {
    id: string;
    secretHash: Buffer;
  }): Promise<{ canceled: boolean; row?: VerificationRow }> {
    return this.db.admit('polling', async () => {
      const rows = await this.db.query(sql.cancelVerification({ id, secretHash, redeemSeconds: this.redeemSeconds }));
      return rows.length > 0 ? { canceled: true } : { canceled: false, row: await this.select(id) };
    });
  }

  async expireWait(provider: string, waitId: string): Promise<boolean> {
    return (await this.db.run('priority', sql.expireWait({ provider, waitId }))).length > 0;
  }

  claimWaits(p: { providers: string[]; limit: number; leaseSeconds: number }): Promise<ClaimedWait[]> {
    // Background work yields to starts and callbacks: the polling queue.
    return this.db.admit('polling', () => this.db.queryRows<ClaimedWait>(claimWaits(p)));
  }

  async releaseWaits(p: { claimed: string[]; leaseEnd: Date; polled: string[]; restSeconds: number }): Promise<void> {
    await this.db.admit('polling', () => this.db.queryRows(releaseWaits(p)));
  }

  private async select(id: string): Promise<VerificationRow | undefined> {
    const [row] = await this.db.query<VerificationRow>(
      sql.selectVerification({ id, redeemSeconds: this.redeemSeconds }),
    );
    return row;
  }
}
