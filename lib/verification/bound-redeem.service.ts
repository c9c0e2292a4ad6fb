import { Inject, Injectable, Logger } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { timingSafeEqual } from 'node:crypto';
import { newRefreshToken } from '../auth/refresh-token.service.js';
import { type IssuedToken, TokenService } from '../auth/token.service.js';
import { runHook } from '../core/run-hook.js';
import { sha256 } from '../core/sha256.js';
import { InjectPhoneCallAuthOptions } from '../options/option-slices.js';
import type { ResolvedHooks, ResolvedJwtOptions } from '../options/resolved-options.interface.js';
import { maskPhone, type E164 } from '../phone/phone-number.js';
import { notTaken, unconsumed } from './redeem.service.js';
import { VERIFICATION_STORE, type VerificationStore } from './verification.store.js';
import type { BoundRedeemResult } from './verification.types.js';

/** The signed-in person redeeming: the subject and the number their access token names. */
export interface BoundRedeemer {
  sub: string;
  phone: E164;
}

/**
 * Redeems a verification bound to a signed-in subject, for that subject only: a step-up (the same
 * number again: a new access token with a fresh `auth_time`) or a change of number (another one:
 * the app's `onNumberChange` hook moves the account, and, when it returns true, a token for the new
 * number). The verification is read first and everything that can fail (the hook, `resolveSubject`)
 * runs before the one statement that takes it, so a failure leaves it redeemable.
 */
@Injectable()
export class BoundRedeemService {
  private readonly logger = new Logger(BoundRedeemService.name);

  constructor(
    @InjectPhoneCallAuthOptions('jwt') private readonly jwt: ResolvedJwtOptions,
    @InjectPhoneCallAuthOptions('hooks') private readonly hooks: ResolvedHooks,
    @Inject(VERIFICATION_STORE) private readonly store: VerificationStore,
    private readonly tokens: TokenService,
  ) {}

  /**
   * Takes a verified verification bound to `redeemer.sub`, once. `subject_mismatch` for one bound to
   * another subject or to none; `another_account` when `resolveSubject` maps the proven number to
   * another subject (nothing taken).
   */
  async redeemFor(id: string, secret: string, redeemer: BoundRedeemer): Promise<BoundRedeemResult> {
    if (!isUUID(id)) return { status: 'unauthorized' };
    const secretHash = sha256(secret);
    const row = await this.store.find(id);
    if (!row || !timingSafeEqual(row.secretHash, secretHash)) return { status: 'unauthorized' };
    if (row.subject !== redeemer.sub) return { status: 'subject_mismatch' };
    if (row.status !== 'verified') return unconsumed(row.status, row.expiresAt);
    const phone = row.phone as E164;
    const verifiedAt = row.verifiedAt as Date;
    const stepUp = phone === redeemer.phone;
    const change = { sub: redeemer.sub, previousPhone: redeemer.phone, phone, verificationId: id, verifiedAt };
    const issue = stepUp || (await runHook('onNumberChange', () => this.hooks.onNumberChange?.(change))) === true;
    let token: IssuedToken | undefined;
    let refreshToken: string | undefined;
    if (issue) {
      token = await this.tokens.signAccessTokenFor(redeemer.sub, phone, verifiedAt);
      if (!token) {
        this.logger.warn(
          `Verification ${id}: resolveSubject maps ${maskPhone(phone)} to another subject than the signed-in one; ` +
            (stepUp ? 'no step-up' : 'onNumberChange returned true before the account was moved to it'),
        );
        return { status: 'another_account' };
      }
      // A step-up keeps the session's refresh token; a new number starts a family of its own.
      if (!stepUp && this.jwt.refreshTokens.enabled) refreshToken = newRefreshToken();
    }
    const taken = await this.store.take({
      id,
      secretHash,
      subject: redeemer.sub,
      refreshTokenHash: refreshToken === undefined ? null : sha256(refreshToken),
    });
    if (!taken.takenPhone) return notTaken(taken);
    if (stepUp) {
      this.logger.debug(`Verification ${id}: a step-up of ${maskPhone(phone)}`);
      return { status: 'stepped_up', subject: redeemer.sub, phone, verificationId: id, token: token! };
    }
    this.logger.log(`Verification ${id}: a change of number from ${maskPhone(redeemer.phone)} to ${maskPhone(phone)}`);
    const withRefresh = token && refreshToken !== undefined ? { ...token, refreshToken } : token;
    return { status: 'number_changed', ...change, ...(withRefresh && { token: withRefresh }) };
  }
}
