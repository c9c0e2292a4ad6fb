import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { sha256 } from '../core/sha256.js';
import type { EntityManager } from 'typeorm';
import type { ResolvedJwtOptions } from '../options/resolved-options.interface.js';
import { InjectPhoneCallAuthOptions } from '../options/option-slices.js';
import { maskPhone, type E164 } from '../phone/phone-number.js';
import { REFRESH_TOKEN_STORE, type RefreshTokenStore } from './refresh-token.store.js';

/** 32 random bytes, base64url: what this module hands out. Anything else is refused before any query. */
const REFRESH_TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** A new refresh token: 32 random bytes, base64url. Stored only as its SHA-256 hash. */
export function newRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Refresh tokens: opaque, kept only as SHA-256 hashes, rotated on every use; reuse of a
 * used token revokes its family, unless it comes back within the grace (`graceSeconds`) while none
 * of its successors was used. {@link TokenService} pairs each rotation with a new access token.
 */
@Injectable()
export class RefreshTokenService {
  private readonly logger = new Logger(RefreshTokenService.name);

  constructor(
    @InjectPhoneCallAuthOptions('jwt') private readonly jwt: ResolvedJwtOptions,
    @Inject(REFRESH_TOKEN_STORE) private readonly store: RefreshTokenStore,
  ) {}

  /**
   * Starts a family for a number proven at `authTime` and returns its first token (in the caller's
   * transaction, given its `manager`).
   */
  async start(phone: E164, authTime: Date | null, manager?: EntityManager): Promise<string> {
    const token = newRefreshToken();
    await this.store.startFamily(sha256(token), phone, authTime, manager);
    return token;
  }

  /**
   * Marks a live token used and stores its successor, in one statement; a token used within the
   * grace, none of whose successors was used, gets a successor of its own. Then runs `then` with
   * the successor, the family's number and its proof time, in the same transaction: should it fail, the token stays
   * usable. `undefined` for a token that is unknown, used (past the grace, or after a successor was
   * used), revoked, past the family's lifetime or of a deleted verification.
   */
  async rotate<T>(
    token: string,
    then: (rotated: { phone: E164; authTime: Date | null; refreshToken: string }) => Promise<T>,
  ): Promise<T | undefined> {
    if (!REFRESH_TOKEN_SHAPE.test(token)) return undefined;
    const next = newRefreshToken();
    const { lifetimeSeconds, graceSeconds } = this.jwt.refreshTokens;
    const p = { tokenHash: sha256(token), nextHash: sha256(next), lifetimeSeconds, graceSeconds };
    return this.store.rotate(p, async (row) => {
      if (row?.again) {
        // Not an attack by itself (a double submit, a retry), but worth seeing when it is frequent.
        this.logger.log(
          `A refresh token was exchanged again within the ${graceSeconds} s grace: family ${row.familyId} of ${maskPhone(row.phone)} got another successor`,
        );
      }
      return row ? then({ phone: row.phone, authTime: row.authTime, refreshToken: next }) : undefined;
    });
  }

  /**
   * When `token` was already used, past the grace or after a successor of it was used, revokes its
   * whole family (someone replayed it). Returns true if it did.
   */
  async revokeIfReused(token: string): Promise<boolean> {
    if (!REFRESH_TOKEN_SHAPE.test(token)) return false;
    const row = await this.store.revokeIfReused(sha256(token), this.jwt.refreshTokens.graceSeconds);
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
    return this.store.revoke(sha256(token));
  }
}
