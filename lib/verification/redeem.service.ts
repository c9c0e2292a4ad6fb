import type { VerificationStatus } from '../core/verification-state.js';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { timingSafeEqual } from 'node:crypto';
import { TokenService } from '../auth/token.service.js';
import { newRefreshToken } from '../auth/refresh-token.service.js';
import { sha256 } from '../core/sha256.js';
import type { ResolvedHooks, ResolvedJwtOptions } from '../options/resolved-options.interface.js';
import { InjectPhoneCallAuthOptions } from '../options/option-slices.js';
import { subjectIsPhone } from '../options/resolve-options.js';
import type { E164 } from '../phone/phone-number.js';
import { PhoneCallAuthTelemetry } from '../telemetry/phone-call-auth.telemetry.js';
import { annotateRequest } from '../telemetry/request-context.js';
import { type TakenRow, VERIFICATION_STORE, type VerificationStore } from './verification.store.js';
import type {
  AuthenticatedVerification,
  ConsumeResult,
  RedeemResult,
  SubjectMismatchResult,
  UnconsumedResult,
} from './verification.types.js';

/** Why a verification was not taken, from its effective status. */
export function unconsumed(status: Exclude<VerificationStatus, 'verified'>, expiresAt: Date | null): UnconsumedResult {
  return status === 'pending' ? { status, expiresAt: expiresAt as Date } : { status };
}

/** What a take answers: the number taken, when it was proven, and what `make` made of it; or why not. */
type Taken<T> =
  { status: 'verified'; phone: E164; verifiedAt: Date; made: T } | UnconsumedResult | SubjectMismatchResult;

/** Checks a verification's secret, and takes a verified one exactly once: for a token (redeem) or without (consume). */
@Injectable()
export class RedeemService {
  private readonly logger = new Logger(RedeemService.name);

  constructor(
    @InjectPhoneCallAuthOptions('jwt') private readonly jwt: ResolvedJwtOptions,
    @InjectPhoneCallAuthOptions('hooks') private readonly hooks: ResolvedHooks,
    @Inject(VERIFICATION_STORE) private readonly store: VerificationStore,
    private readonly tokens: TokenService,
    private readonly telemetry: PhoneCallAuthTelemetry,
  ) {}

  /**
   * Checks a verification's secret in constant time. Returns `null` for an unknown id and for a
   * wrong secret alike, so the two cannot be told apart.
   */
  async authenticate(id: string, secret: string): Promise<AuthenticatedVerification | null> {
    if (!isUUID(id)) return null;
    const row = await this.store.find(id);
    if (!row || !timingSafeEqual(row.secretHash, sha256(secret))) return null;
    return { id: row.id, status: row.status, expiresAt: row.expiresAt };
  }

  /**
   * Exchanges a verified verification for the module's token, once: one statement takes it (and
   * stores the refresh token) and answers every poll that cannot take it (pending, unknown, closed);
   * the token is signed after. With the app's own `resolveSubject`, the verification is read first
   * and the token made before the take, so a hook that fails or refuses the number leaves it
   * redeemable (two statements). A verification bound to a subject is not redeemed here
   * (`subject_mismatch`): its subject redeems it with `redeemFor`.
   */
  async redeem(id: string, secret: string): Promise<RedeemResult> {
    if (!isUUID(id)) return { status: 'unauthorized' };
    const refreshToken = this.jwt.refreshTokens.enabled ? newRefreshToken() : undefined;
    const refreshTokenHash = refreshToken === undefined ? null : sha256(refreshToken);
    const result = await this.take(id, sha256(secret), null, refreshTokenHash, {
      make: (phone, verifiedAt) => this.tokens.signAccessToken(phone, verifiedAt),
      canFail: this.hooks.resolveSubject !== subjectIsPhone,
    });
    this.telemetry.redeemed('redeem', result.status === 'verified' ? 'issued' : result.status);
    if (result.status !== 'verified') return result;
    this.logger.debug(`Verification ${id} redeemed for a token`);
    const token = result.made;
    return {
      status: 'issued',
      token: refreshToken === undefined ? token : { ...token, refreshToken },
      phone: result.phone,
      verificationId: id,
    };
  }

  /**
   * Takes a verified verification exactly once and returns its number, issuing no token and storing
   * no refresh token: for apps with their own session (`routes: { token: false }`), which sign the
   * person in from their own route. A verification started with a `subject` is taken only when the
   * same `subject` is given (and names it in the result); one without, only when none is.
   */
  async consume(id: string, secret: string, subject?: string): Promise<ConsumeResult> {
    if (!isUUID(id)) return { status: 'unauthorized' };
    const result = await this.take(id, sha256(secret), subject ?? null, null, {
      make: async () => undefined,
      canFail: false,
    });
    this.telemetry.redeemed('consume', result.status);
    if (result.status !== 'verified') return result;
    this.logger.debug(`Verification ${id} consumed`);
    const { phone, verifiedAt } = result;
    return { status: 'verified', phone, verificationId: id, verifiedAt, ...(subject !== undefined && { subject }) };
  }

  /**
   * Takes a verified verification bound to `subject` (null: an unbound one) with one statement
   * (`VerificationStore.take`), which also stores the refresh token (given by its hash), and returns
   * what `make` made of its number. A `make` that `canFail` runs before the take, on the number read
   * by one statement first: should it fail, nothing was taken. What it made is dropped when the take
   * then finds nothing to take.
   */
  private async take<T>(
    id: string,
    secretHash: Buffer,
    subject: string | null,
    refreshTokenHash: Buffer | null,
    { make, canFail }: { make: (phone: E164, verifiedAt: Date) => Promise<T>; canFail: boolean },
  ): Promise<Taken<T>> {
    annotateRequest({ verificationId: id });
    let madeFirst: { made: T } | undefined;
    if (canFail) {
      const row = await this.store.find(id);
      if (!row || !timingSafeEqual(row.secretHash, secretHash)) return { status: 'unauthorized' };
      if (row.subject !== subject) return { status: 'subject_mismatch' };
      if (row.status !== 'verified') return unconsumed(row.status, row.expiresAt);
      madeFirst = { made: await make(row.phone as E164, row.verifiedAt as Date) };
    }
    const taken = await this.store.take({ id, secretHash, refreshTokenHash, subject });
    if (taken.takenPhone) {
      const verifiedAt = taken.verifiedAt as Date;
      const made = madeFirst ? madeFirst.made : await make(taken.takenPhone, verifiedAt);
      return { status: 'verified', phone: taken.takenPhone, verifiedAt, made };
    }
    return notTaken(taken);
  }
}

/** Why a take took nothing, from the row as its statement saw it. */
export function notTaken(taken: TakenRow): UnconsumedResult | SubjectMismatchResult {
  if (taken.status === null) return { status: 'unauthorized' };
  if (!taken.subjectMatches) return { status: 'subject_mismatch' };
  // Seen verified but not taken: a concurrent redeem took it first (its UPDATE committed while this one waited).
  return taken.status === 'verified' ? { status: 'consumed' } : unconsumed(taken.status, taken.expiresAt);
}
