import { BadRequestException, HttpException, Inject, Injectable, Logger } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { sha256 } from '../database/sha256.js';
import type { DataSource, EntityManager } from 'typeorm';
import { IssuedToken, TokenService } from '../auth/token.service.js';
import { InjectPhoneCallAuthOptions, PHONE_CALL_AUTH_DATA_SOURCE } from '../phone-call-auth.constants.js';
import type { VerificationCandidate } from '../options/phone-call-auth-options.interface.js';
import type { ResolvedPhoneCallAuthOptions } from '../options/resolved-options.interface.js';
import { type E164, maskNumbers, maskPhone, parsePhone, parsePlatformPhone } from '../phone/phone-number.js';
import { RateLimitService } from '../rate-limit/rate-limit.service.js';
import type { PhoneNumber } from 'libphonenumber-js/max';
import { AdmissionService } from '../database/admission.service.js';
import { queryRows, type Statement } from '../database/query-rows.js';
import { runHook } from '../options/run-hook.js';
import { TelephonyPlatformException } from '../providers/telephony.exceptions.js';
import type {
  CallAssignment,
  CallHintInput,
  CallRequest,
  InboundCallReport,
  TelephonyProvider,
} from '../providers/telephony-provider.interface.js';
import type { InboundCallOutcome } from '../database/entities/inbound-call.entity.js';
import type { VerificationStatus } from '../database/entities/verification.entity.js';
import * as sql from './verification.sql.js';
import type { InboundCallRecord } from './verification.sql.js';

/** What `start` returns; `secret` appears here only and is never stored. */
export interface StartedVerification {
  id: string;
  /** Proves the right to the result: send it to the token endpoint. 32 random bytes, base64url. */
  secret: string;
  /** The number to call, E.164. */
  callTo: string;
  /** The number to call, written for people. */
  callToDisplay: string;
  expiresAt: Date;
  /** Seconds left in the window. */
  expiresIn: number;
  /** Text to show the subscriber. */
  message: string;
}

/** Who started a verification; used for rate limits and hooks. */
export interface StartContext {
  ip?: string;
}

/** A verification whose secret was checked, as the verification strategy puts it on `request.user`. */
export interface AuthenticatedVerification {
  id: string;
  status: VerificationStatus;
  expiresAt: Date;
}

/** What `consume` and `redeem` answer when the verification cannot be taken now. */
export type UnconsumedResult =
  | { status: 'pending'; expiresAt: Date }
  | { status: Exclude<VerificationStatus, 'pending' | 'verified'> }
  | { status: 'unauthorized' };

/** What `consume` returns: the verified number, exactly once, or why not. */
export type ConsumeResult = { status: 'verified'; phone: E164; verificationId: string } | UnconsumedResult;

/** What `redeem` returns: the module's token and the verified number, exactly once, or why not. */
export type RedeemResult =
  { status: 'issued'; token: IssuedToken; phone: E164; verificationId: string } | UnconsumedResult;

/** What became of an inbound call. */
export interface InboundCallResult {
  outcome: InboundCallOutcome;
  verificationId: string | null;
}

/** A closed window still makes a call `late` (not `no_match`) for this long. */
const LATE_CALL_LOOKBACK_SECONDS = 3600;

interface VerificationRow {
  id: string;
  phone: string;
  secretHash: Buffer;
  expiresAt: Date;
  status: VerificationStatus;
}

/** The value if it is printable ASCII of at most `max` characters (as platform ids are), else null. */
function fits(value: string | undefined, max: number): string | null {
  return typeof value === 'string' && value.length <= max && /^[\x21-\x7e]+$/.test(value) ? value : null;
}

/** The hint of providers that give none: the wording SSMS suggests for a call that is dropped. */
export function defaultCallHint({ callToDisplay, phoneDisplay, windowSeconds }: CallHintInput): string {
  return (
    `Call ${callToDisplay} from ${phoneDisplay} within ${windowSeconds} seconds. ` +
    'The call is free: wait for the busy signal, then hang up (or the call ends by itself).'
  );
}

/**
 * The verification lifecycle: start, inbound call, redeem, cancel.
 * Every state change is one conditional UPDATE evaluated on the database clock.
 */
@Injectable()
export class VerificationService {
  private readonly logger = new Logger(VerificationService.name);

  constructor(
    @InjectPhoneCallAuthOptions() private readonly options: ResolvedPhoneCallAuthOptions,
    @Inject(PHONE_CALL_AUTH_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly tokens: TokenService,
    private readonly rateLimits: RateLimitService,
    private readonly admission: AdmissionService,
  ) {}

  /**
   * Asks the platform to wait for a call from `phone` and records a pending verification.
   * The platform is asked first: when it fails, nothing is written.
   * @throws BadRequestException for a number that is not valid
   * @throws TelephonyPlatformException (502) or TelephonyTimeoutException (504) when the platform fails
   */
  async start(phoneInput: string, context: StartContext = {}): Promise<StartedVerification> {
    const { defaultCountry } = this.options;
    const phone = parsePhone(phoneInput, defaultCountry);
    if (!phone) {
      throw new BadRequestException(
        `phone is not a valid phone number: write digits, in international form, e.g. +7 967 031-11-22 (numbers without a country code are read as ${defaultCountry}).`,
      );
    }
    this.checkPolicy(phone);
    await this.admission.run('priority', () => this.rateLimits.consume(phone.number, context.ip));
    const { provider, assignment, callTo } = await this.requestCall(phone);
    const windowSeconds = this.options.windows[provider.name];
    const secret = randomBytes(32).toString('base64url');
    const row = await this.insertVerification({
      phone: phone.number,
      callTo: callTo.number,
      provider: provider.name,
      waitId: assignment.waitId ?? null,
      secretHash: sha256(secret),
      windowSeconds,
    });
    this.logger.log(
      `Verification ${row.id} started for ${maskPhone(phone.number)} on ${provider.name}: call ${maskPhone(callTo.number)}`,
    );
    const callToDisplay = callTo.formatInternational();
    const hint = { callToDisplay, phoneDisplay: phone.formatInternational(), windowSeconds };
    return {
      id: row.id,
      secret,
      callTo: callTo.number,
      callToDisplay,
      expiresAt: row.expiresAt,
      expiresIn: Math.max(0, Math.round((row.expiresAt.getTime() - row.now.getTime()) / 1000)),
      message: provider.callHint?.(hint) ?? defaultCallHint(hint),
    };
  }

  /** The providers that serve a phone's country, in order of preference. */
  providersFor(phone: PhoneNumber): TelephonyProvider[] {
    const { routing } = this.options;
    return (phone.country && routing.byCountry[phone.country]) || routing.default;
  }

  /**
   * Asks the phone's providers in order of preference; a 502 or 504 from one moves to the next.
   * @throws the last provider's TelephonyPlatformException (502) or TelephonyTimeoutException (504)
   */
  private async requestCall(
    phone: PhoneNumber,
  ): Promise<{ provider: TelephonyProvider; assignment: CallAssignment; callTo: PhoneNumber }> {
    const providers = this.providersFor(phone);
    for (const [index, provider] of providers.entries()) {
      try {
        return await this.requestCallFrom(provider, phone);
      } catch (error) {
        const status = error instanceof HttpException ? error.getStatus() : 0;
        if (index === providers.length - 1 || (status !== 502 && status !== 504)) throw error;
        this.logger.warn(
          `${provider.name} failed (${status}) for ${maskPhone(phone.number)}; trying ${providers[index + 1].name}`,
        );
      }
    }
    throw new TelephonyPlatformException('none', 'no provider serves this number');
  }

  private async requestCallFrom(
    provider: TelephonyProvider,
    phone: PhoneNumber,
  ): Promise<{ provider: TelephonyProvider; assignment: CallAssignment; callTo: PhoneNumber }> {
    const { defaultCountry, callbackBaseUrl, callbackSecrets } = this.options;
    const busy = provider.capabilities?.numberPool
      ? await this.admission.run('priority', () =>
          this.query<{ callTo: E164 }>(sql.busyNumbers({ phone: phone.number, provider: provider.name })),
        )
      : [];
    const request: CallRequest = {
      phone: phone.number,
      windowSeconds: this.options.windows[provider.name],
      busyNumbers: busy.map((row) => row.callTo),
      callbackUrl: callbackBaseUrl && `${callbackBaseUrl}/${provider.name}/${callbackSecrets[0]}`,
    };
    const assignment = await provider.requestCall(request).catch((error: unknown) => {
      if (error instanceof HttpException) throw error;
      // A provider that throws something else is still the platform's failure, not the client's.
      this.logger.error(
        `${provider.name}.requestCall failed for ${maskPhone(phone.number)}: ${maskNumbers(String((error as Error)?.message))}`,
      );
      throw new TelephonyPlatformException(provider.name, 'its adapter failed unexpectedly');
    });
    const callTo = parsePlatformPhone(assignment.callTo, defaultCountry);
    if (!callTo) {
      throw new TelephonyPlatformException(
        provider.name,
        'it handed out a number to call that is not a valid phone number',
      );
    }
    return { provider, assignment, callTo };
  }

  /**
   * Ends the pending verification of a wait the platform says expired (sms.ru 402), in one statement.
   * Returns whether one was pending.
   */
  async expireWait(provider: string, waitId: string | undefined): Promise<boolean> {
    const id = fits(waitId, 128);
    if (!id) return false;
    const rows = await this.admission.run('priority', () => this.query(sql.expireWait({ provider, waitId: id })));
    if (rows.length > 0) this.logger.log(`Wait ${provider}:${id} expired on the platform`);
    return rows.length > 0;
  }

  /**
   * Records an inbound call the platform reported and, when exactly one pending verification
   * in its window fits it (and `beforeVerify`, if set, agrees), verifies that one. Never throws
   * for bad input: the outcome says why nothing was verified.
   */
  async handleInboundCall(
    report: InboundCallReport,
    providerName: string = this.options.provider.name,
  ): Promise<InboundCallResult> {
    const { defaultCountry, beforeVerify } = this.options;
    const caller = parsePlatformPhone(report.caller, defaultCountry)?.number ?? null;
    const dialed = parsePlatformPhone(report.dialed, defaultCountry)?.number ?? null;
    // Ids longer than their columns are no ids a platform sends: treat them as absent.
    const call: InboundCallRecord = {
      provider: providerName,
      caller,
      dialed,
      waitId: fits(report.waitId, 128),
      callId: fits(report.callId, 128),
      attestation: fits(report.attestation, 32),
    };
    const record = (outcome: InboundCallOutcome, verificationId: string | null) =>
      this.record(call, outcome, verificationId);

    // The platform confirmed the call itself (sms.ru, New-Tel) and names the wait, not the caller.
    const confirmedByPlatform = report.confirmedByPlatform === true && call.waitId !== null;
    let result: InboundCallResult & { verifiedAt?: Date | null; phone?: E164 | null };
    if (report.refused) {
      result = await record('refused', null);
    } else if (!caller && !confirmedByPlatform) {
      result = await record('no_caller_id', null);
    } else {
      let approved: string | null = null;
      if (beforeVerify) {
        const candidates = await this.admission.run('priority', () =>
          this.query<VerificationCandidate>(sql.findCandidate(call, { confirmedByPlatform })),
        );
        if (candidates.length === 1 && !(await runHook('beforeVerify', () => beforeVerify(report, candidates[0])))) {
          return this.logged(await record('refused', candidates[0].id), call);
        }
        approved = candidates.length === 1 ? candidates[0].id : null;
      }
      const match = sql.matchInboundCall(call, {
        lateLookbackSeconds: LATE_CALL_LOOKBACK_SECONDS,
        approvedId: approved,
        onlyApproved: !!beforeVerify,
        confirmedByPlatform,
      });
      const [matched] = await this.admission.run('priority', () =>
        this.dataSource.transaction(async (manager) => {
          if (call.callId) await queryRows(manager, sql.lockKey(`call:${call.provider}:${call.callId}`));
          return queryRows<InboundCallResult & { verifiedAt: Date | null; phone: E164 | null }>(manager, match);
        }),
      );
      // No row: a copy of a first-time call id, recorded by another statement, won the unique index.
      result = matched ?? (await record('duplicate', null));
    }
    const verifiedPhone = result.phone ?? caller;
    if (result.outcome === 'matched' && verifiedPhone && result.verificationId) {
      // Not awaited: the platform's callback is answered without waiting for the app's hook.
      void this.notifyVerified({
        verificationId: result.verificationId,
        phone: verifiedPhone,
        verifiedAt: result.verifiedAt ?? new Date(),
        call: report,
      });
    }
    return this.logged(result, call);
  }

  /**
   * Checks a verification's secret in constant time. Returns `null` for an unknown id and for a
   * wrong secret alike, so the two cannot be told apart.
   */
  async authenticate(id: string, secret: string): Promise<AuthenticatedVerification | null> {
    if (!isUUID(id)) return null;
    const row = await this.admission.run('polling', () => this.find(id));
    if (!row || !timingSafeEqual(row.secretHash, sha256(secret))) return null;
    return { id: row.id, status: row.status, expiresAt: row.expiresAt };
  }

  /**
   * Exchanges a verified verification for the module's token, once. The state change and the token
   * are one transaction: if `resolveSubject` or signing fails, the verification stays redeemable.
   */
  async redeem(id: string, secret: string): Promise<RedeemResult> {
    if (!isUUID(id)) return { status: 'unauthorized' };
    const result = await this.admission.run('polling', () =>
      this.take(id, sha256(secret), (phone, manager) => this.tokens.issue(phone, manager)),
    );
    if (result.status !== 'verified') return result;
    this.logger.log(`Verification ${id} redeemed for a token`);
    return { status: 'issued', token: result.issued, phone: result.phone, verificationId: id };
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
  async consume(id: string, secret: string): Promise<ConsumeResult> {
    if (!isUUID(id)) return { status: 'unauthorized' };
    const result = await this.admission.run('polling', () => this.take(id, sha256(secret), async () => undefined));
    if (result.status !== 'verified') return result;
    this.logger.log(`Verification ${id} consumed`);
    return { status: 'verified', phone: result.phone, verificationId: id };
  }

  /**
   * Consumes a verified verification and runs `then` in the same transaction (a failure there
   * rolls the consumption back); otherwise says why nothing was taken.
   */
  private async take<T>(
    id: string,
    secretHash: Buffer,
    then: (phone: E164, manager: EntityManager) => Promise<T>,
    again = true,
  ): Promise<{ status: 'verified'; phone: E164; issued: T } | UnconsumedResult> {
    const taken = await this.dataSource.transaction(async (manager) => {
      const [row] = await queryRows<{ phone: E164 }>(
        manager,
        sql.consumeVerification({ id, secretHash, redeemSeconds: this.options.redeemSeconds }),
      );
      return row && { phone: row.phone, issued: await then(row.phone, manager) };
    });
    if (taken) return { status: 'verified', ...taken };
    const row = await this.find(id);
    if (!row || !timingSafeEqual(row.secretHash, secretHash)) return { status: 'unauthorized' };
    if (row.status === 'pending') return { status: 'pending', expiresAt: row.expiresAt };
    // Verified, yet the UPDATE did not take it: the call was recorded after the UPDATE began (as
    // when a long-poll checks right as the callback arrives), or a concurrent redeem rolled back.
    // Once more: now the UPDATE takes it, or waits for a concurrent redeem and finds it consumed.
    if (row.status === 'verified' && again) return this.take(id, secretHash, then, false);
    return { status: row.status === 'verified' ? 'consumed' : row.status };
  }

  /** Cancels a pending or verified verification. Returns false for an unknown id or a wrong secret. */
  async cancel(id: string, secret: string): Promise<boolean> {
    if (!isUUID(id)) return false;
    const secretHash = sha256(secret);
    const [canceled, row] = await this.admission.run('polling', async () => {
      const rows = await this.query(
        sql.cancelVerification({ id, secretHash, redeemSeconds: this.options.redeemSeconds }),
      );
      return rows.length > 0 ? [true, undefined] : [false, await this.find(id)];
    });
    if (canceled) {
      this.logger.log(`Verification ${id} canceled`);
      return true;
    }
    return !!row && timingSafeEqual(row.secretHash, secretHash);
  }

  private async find(id: string): Promise<VerificationRow | undefined> {
    const [row] = await this.query<VerificationRow>(
      sql.selectVerification({ id, redeemSeconds: this.options.redeemSeconds }),
    );
    return row;
  }

  /** Rejects numbers outside `phonePolicy` with a 400 that says which numbers are accepted. */
  private checkPolicy(phone: PhoneNumber): void {
    const { mobileOnly, countries } = this.options.phonePolicy;
    if (mobileOnly && !['MOBILE', 'FIXED_LINE_OR_MOBILE'].includes(phone.getType() ?? '')) {
      throw new BadRequestException('phone must be a mobile number: only mobile numbers can be verified here.');
    }
    if (countries && (!phone.country || !countries.includes(phone.country))) {
      throw new BadRequestException(`phone must be a number of ${countries.join(', ')}.`);
    }
  }

  /**
   * Runs the insert under a lock on the phone (transaction-scoped, so on every instance):
   * concurrent starts for one phone take turns, and each supersedes the one before it.
   */
  private insertVerification(
    verification: Parameters<typeof sql.insertVerification>[0],
  ): Promise<{ id: string; expiresAt: Date; now: Date }> {
    return this.admission.run('priority', () =>
      this.dataSource.transaction(async (manager) => {
        await queryRows(manager, sql.lockKey(`phone:${verification.phone}`));
        return (
          await queryRows<{ id: string; expiresAt: Date; now: Date }>(manager, sql.insertVerification(verification))
        )[0];
      }),
    );
  }

  /** Records an inbound call with a known outcome; a concurrent copy of the same call id makes it a duplicate. */
  private async record(
    call: InboundCallRecord,
    outcome: InboundCallOutcome,
    verificationId: string | null,
  ): Promise<InboundCallResult> {
    return this.admission.run('priority', async () => {
      const [row] = await this.query<InboundCallResult>(sql.insertInboundCall(call, outcome, verificationId));
      return row ?? (await this.query<InboundCallResult>(sql.insertInboundCall(call, 'duplicate', null)))[0];
    });
  }

  private logged(result: InboundCallResult, { caller, dialed }: InboundCallRecord): InboundCallResult {
    this.logger.log(
      `Inbound call from ${maskPhone(caller)} to ${maskPhone(dialed)}: ${result.outcome}` +
        (result.verificationId ? ` (verification ${result.verificationId})` : ''),
    );
    return { outcome: result.outcome, verificationId: result.verificationId };
  }

  private async notifyVerified(event: Parameters<NonNullable<ResolvedPhoneCallAuthOptions['onVerified']>>[0]) {
    try {
      await this.options.onVerified?.(event);
    } catch (error) {
      this.logger.error(
        `onVerified hook failed for verification ${event.verificationId}: ${(error as Error)?.message}`,
      );
    }
  }

  private query<T>(statement: Statement): Promise<T[]> {
    return queryRows<T>(this.dataSource, statement);
  }
}
