import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { StatementRunner } from '../database/statement-runner.js';
import type { E164 } from '../phone/phone-number.js';
import * as sql from './refresh-token.sql.js';
import type { RefreshTokenStore, RotatedRow } from './refresh-token.store.js';

/**
 * The {@link RefreshTokenStore} on Postgres (the statements of refresh-token.sql.ts), in the polling
 * queue of admission control: a refresh or a sign-out waits behind starts and callbacks.
 */
@Injectable()
export class PostgresRefreshTokenStore implements RefreshTokenStore {
  constructor(private readonly db: StatementRunner) {}

  /**
   * Outside admission control: apps call it (`TokenService.issue`) inside their own transaction,
   * which holds a connection already; waiting there for a slot could wait for itself.
   */
  async startFamily(tokenHash: Buffer, phone: E164, authTime: Date | null, manager?: EntityManager): Promise<void> {
    await this.db.queryRows({ text: sql.START_FAMILY, values: [tokenHash, phone, authTime] }, manager);
  }

  rotate<T>(
    p: { tokenHash: Buffer; nextHash: Buffer; lifetimeSeconds: number; graceSeconds: number },
    then: (rotated: RotatedRow | undefined) => Promise<T>,
  ): Promise<T> {
    return this.db.admit('polling', () =>
      this.db.transaction(async (manager) => {
        const [row] = await this.db.queryRows<RotatedRow>(sql.rotate(p), manager);
        return then(row);
      }),
    );
  }

  async revokeIfReused(
    tokenHash: Buffer,
    graceSeconds: number,
  ): Promise<{ familyId: string; phone: string } | undefined> {
    const statement = { text: sql.REVOKE_FAMILY_OF_REUSED, values: [tokenHash, graceSeconds] };
    return (await this.db.admit('polling', () => this.db.queryRows<{ familyId: string; phone: string }>(statement)))[0];
  }

  async revoke(tokenHash: Buffer): Promise<boolean> {
    const statement = { text: sql.REVOKE_FAMILY_OF, values: [tokenHash] };
    return (await this.db.admit('polling', () => this.db.queryRows(statement))).length > 0;
  }
}
