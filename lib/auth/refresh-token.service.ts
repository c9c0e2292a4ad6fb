import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { PHONE_CALL_AUTH_DATA_SOURCE } from '../phone-call-auth.constants.js';
import { InjectPhoneCallAuthOptions } from '../phone-call-auth.module-definition.js';
import type { ResolvedPhoneCallAuthOptions } from '../phone-call-auth.options.js';
import { maskPhone, type E164 } from '../phone/phone-number.js';
import * as sql from './refresh-token.sql.js';

/** 32 random bytes, base64url: what this module hands out. Anything else is refused before any query. */
const REFRESH_TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

function newRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

function hashRefreshToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** TypeORM's Postgres driver answers UPDATE/DELETE with `[rows, count]` and everything else with `rows`. */
async function rows<T>(runner: DataSource | EntityManager, statement: string, parameters: unknown[]): Promise<T[]> {
  const result: unknown = await runner.query(statement, parameters);
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') {
    return result[0] as T[];
  }
  return result as T[];
}

/**
 * Storage of refresh tokens: opaque, kept only as SHA-256 hashes, rotated on every use; reuse of a
 * used token revokes its family. {@link TokenService} pairs each rotation with a new access token.
 */
@Injectable()
export class RefreshTokenService {
  private readonly logger = new Logger(RefreshTokenService.name);

  constructor(
    @InjectPhoneCallAuthOptions() private readonly options: ResolvedPhoneCallAuthOptions,
    @Inject(PHONE_CALL_AUTH_DATA_SOURCE) private readonly dataSource: DataSource,
  ) {}

  /** Starts a family for a verified number and returns its first token. */
  async start(phone: E164, runner: DataSource | EntityManager = this.dataSource): Promise<string> {
    const token = newRefreshToken();
    await rows(runner, sql.START_FAMILY, [hashRefreshToken(token), phone]);
    return token;
  }

  /**
   * Marks a live token used and stores its successor, in one statement. Returns the successor and
   * the family's number, or `undefined` for a token that is unknown, used, revoked or past the
   * family's lifetime.
   */
  async rotate(
    token: string,
    runner: DataSource | EntityManager = this.dataSource,
  ): Promise<{ phone: E164; refreshToken: string } | undefined> {
    if (!REFRESH_TOKEN_SHAPE.test(token)) return undefined;
    const next = newRefreshToken();
    const [row] = await rows<{ phone: E164 }>(runner, sql.ROTATE, [
      hashRefreshToken(token),
      hashRefreshToken(next),
      this.options.jwt.refreshTokens.lifetimeSeconds,
    ]);
    return row ? { phone: row.phone, refreshToken: next } : undefined;
  }

  /** When `token` was already used, revokes its whole family (someone replayed it). Returns true if it did. */
  async revokeIfReused(token: string): Promise<boolean> {
    if (!REFRESH_TOKEN_SHAPE.test(token)) return false;
    const [row] = await rows<{ familyId: string; phone: string }>(this.dataSource, sql.REVOKE_FAMILY_OF_USED, [
      hashRefreshToken(token),
    ]);
    if (row) {
      this.logger.warn(
        `A used refresh token was presented again: family ${row.familyId} of ${maskPhone(row.phone)} revoked`,
      );
    }
    return !!row;
  }

  /** Revokes the family of `token` (sign-out). Returns false for an unknown token or a family already revoked. */
  async revoke(token: string): Promise<boolean> {
    if (!REFRESH_TOKEN_SHAPE.test(token)) return false;
    const revoked = await rows(this.dataSource, sql.REVOKE_FAMILY_OF, [hashRefreshToken(token)]);
    return revoked.length > 0;
  }

  /** Deletes families past their lifetime, or revoked more than `retentionSeconds` ago. Returns the rows deleted. */
  async purge(retentionSeconds: number, runner: DataSource | EntityManager = this.dataSource): Promise<number> {
    const result: unknown = await runner.query(sql.PURGE_REFRESH_TOKENS, [
      retentionSeconds,
      this.options.jwt.refreshTokens.lifetimeSeconds,
    ]);
    return Array.isArray(result) && typeof result[1] === 'number' ? result[1] : 0;
  }
}
