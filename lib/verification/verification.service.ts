import { Injectable } from '@nestjs/common';
import { type BoundRedeemer, BoundRedeemService } from './bound-redeem.service.js';
import { CancelService } from './cancel.service.js';
import { CodeCheckService } from './code-check.service.js';
import { RedeemService } from './redeem.service.js';
import { StartVerificationService } from './start-verification.service.js';
import type {
  AuthenticatedVerification,
  BoundRedeemResult,
  CodeCheckResult,
  ConsumeResult,
  RedeemResult,
  StartContext,
  StartedVerification,
} from './verification.types.js';

/**
 * The verification lifecycle, for apps that drive it from their own code: start, check a code,
 * redeem or consume, cancel. Each call is one use case (start, code check, redeem, cancel), and
 * every state change one conditional statement evaluated on the database clock. The platform's
 * reports reach the module through its callback routes and status poller, not through this class.
 *
 * @example
 * const started = await verifications.start('+79670311122', { ip: request.ip });
 * // ...the person calls started.callTo...
 * const result = await verifications.consume(started.id, started.secret);
 */
@Injectable()
export class VerificationService {
  constructor(
    private readonly starts: StartVerificationService,
    private readonly codes: CodeCheckService,
    private readonly redeems: RedeemService,
    private readonly cancels: CancelService,
    private readonly boundRedeems: BoundRedeemService,
  ) {}

  /**
   * Asks the platform to wait for a call from `phone` (or sends an SMS code) and records a pending
   * verification. When the platform fails, nothing is written and the start is given back to every
   * limit it counted.
   * @throws PhoneRefusedException (400) for a number that is not valid or that `phonePolicy` refuses
   * @throws ChannelRefusedException (400) for a channel not offered, or not served for this number
   * @throws TooManyVerificationsException (429) when a limit is spent
   * @throws NumbersBusyException (429) when every number of a pool waits for an earlier verification of this phone
   * @throws ClientAddressUnknownException (503) when a limit is kept per address and `context.ip` is no address
   * @throws TelephonyPlatformException (502) or TelephonyTimeoutException (504) when the platform fails
   */
  start(phone: string, context: StartContext = {}): Promise<StartedVerification> {
    return this.starts.start(phone, context);
  }

  /**
   * Checks a verification's secret in constant time. Returns `null` for an unknown id and for a
   * wrong secret alike, so the two cannot be told apart.
   */
  authenticate(id: string, secret: string): Promise<AuthenticatedVerification | null> {
    return this.redeems.authenticate(id, secret);
  }

  /**
   * Exchanges a verified verification for the module's token, exactly once (with a refresh token
   * when `jwt.refreshTokens` is on); answers why not otherwise (pending, unknown, closed).
   */
  redeem(id: string, secret: string): Promise<RedeemResult> {
    return this.redeems.redeem(id, secret);
  }

  /**
   * Takes a verified verification exactly once and returns its number, issuing no token and storing
   * no refresh token: for apps with their own session (`routes: { token: false }`), which sign the
   * person in from their own route.
   *
   * A verification started with `{ subject }` is taken only with the same `subject` (the signed-in
   * user of the request; `subject_mismatch` otherwise), and one started without, only without: so a
   * verification one signed-in user started cannot be consumed into another's session.
   *
   * @example
   * const result = await verifications.consume(id, secret);
   * if (result.status === 'verified') request.session.phone = result.phone;
   * // A change of number in the app's own session:
   * const changed = await verifications.consume(id, secret, request.session.userId);
   * if (changed.status === 'verified') await users.update(changed.subject, { phone: changed.phone });
   */
  consume(id: string, secret: string, subject?: string): Promise<ConsumeResult> {
    return this.redeems.consume(id, secret, subject);
  }

  /**
   * Redeems a verification bound to the signed-in `redeemer` (`start(phone, { subject })`, or
   * `POST <prefix>/account/verifications`), once: the number their token names proven again is a
   * step-up (a new access token with a fresh `auth_time`); another number is a change of number
   * (`onNumberChange` runs, and a token for the new number when it returns true). Refused
   * (`subject_mismatch`) for a verification bound to another subject or to none.
   */
  redeemFor(id: string, secret: string, redeemer: BoundRedeemer): Promise<BoundRedeemResult> {
    return this.boundRedeems.redeemFor(id, secret, redeemer);
  }

  /**
   * Checks an SMS code: a right one verifies the verification (take it with `redeem` or `consume`),
   * a wrong one counts against `sms.maxAttempts`, after which the verification fails. One
   * conditional statement, so concurrent guesses cannot get past the limit. The code is never logged.
   */
  verifyCode(id: string, secret: string, code: string): Promise<CodeCheckResult> {
    return this.codes.verifyCode(id, secret, code);
  }

  /** Cancels a pending or verified verification. Returns false for an unknown id or a wrong secret. */
  cancel(id: string, secret: string): Promise<boolean> {
    return this.cancels.cancel(id, secret);
  }
}
