import { Injectable } from '@nestjs/common';
import { CancelService } from './cancel.service.js';
import { CodeCheckService } from './code-check.service.js';
import { RedeemService } from './redeem.service.js';
import { StartVerificationService } from './start-verification.service.js';
import type {
  AuthenticatedVerification,
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
   * @example
   * const result = await verifications.consume(id, secret);
   * if (result.status === 'verified') request.session.phone = result.phone;
   */
  consume(id: string, secret: string): Promise<ConsumeResult> {
    return this.redeems.consume(id, secret);
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
