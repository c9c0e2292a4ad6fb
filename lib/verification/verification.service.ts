import { HttpException, Inject, Injectable, Logger } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { randomBytes, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import { sha256 } from '../database/sha256.js';
import type { DataSource } from 'typeorm';
import { IssuedToken, TokenService } from '../auth/token.service.js';
import { newRefreshToken } from '../auth/refresh-token.service.js';
import { InjectPhoneCallAuthOptions, PHONE_CALL_AUTH_DATA_SOURCE } from '../phone-call-auth.constants.js';
import type { VerificationCandidate } from '../options/phone-call-auth-options.interface.js';
import type { ResolvedPhoneCallAuthOptions } from '../options/resolved-options.interface.js';
import { type E164, maskNumbers, maskPhone, parsePhone, parsePlatformPhone } from '../phone/phone-number.js';
import { phonePolicyRefusal } from '../phone/phone-policy.js';
import { RateLimitService, type StartAllowance } from '../rate-limit/rate-limit.service.js';
import type { PhoneNumber } from 'libphonenumber-js/max';
import { AdmissionService } from '../database/admission.service.js';
import { DatabaseBusyException } from '../database/database-busy.exception.js';
import { DatabaseClock, queryTimeoutMs } from '../database/database-clock.js';
import { subjectIsPhone } from '../options/resolve-options.js';
import { isUniqueViolation, queryPool, queryRows, type Statement } from '../database/query-rows.js';
import { runHook } from '../options/run-hook.js';
import {
  NumberPoolExhaustedException,
  TelephonyPlatformException,
  TelephonyTimeoutException,
} from '../providers/telephony.exceptions.js';
import { NumbersBusyException } from './numbers-busy.exception.js';
import { ChannelRefusedException } from './channel-refused.exception.js';
import { PhoneRefusedException } from './phone-refused.exception.js';
import type {
  CallAssignment,
  InboundCallReport,
  TelephonyProvider,
} from '../providers/telephony-provider.interface.js';
import type { InboundCallOutcome } from '../database/entities/inbound-call.entity.js';
import {
  VERIFICATION_ONE_PENDING_INDEX,
  type VerificationChannel,
  type VerificationFailReason,
  type VerificationStatus,
} from '../database/entities/verification.entity.js';
import { isLocale, matchAcceptLanguage } from '../i18n/accept-language.js';
import {
  fillTemplate,
  PHONE_CALL_AUTH_LOCALES,
  type PhoneCallAuthLocale,
  type PhoneCallAuthMessages,
  type TemplateValues,
} from '../i18n/messages.js';
import * as sql from './verification.sql.js';
import type { InboundCallRecord } from './verification.sql.js';

/** What `start` returns; `secret` appears here only and is never stored. */
export interface StartedVerification {
  id: string;
  /** Proves the right to the result: send it to the token endpoint. 32 random bytes, base64url. */
  secret: string;
  /** How it can be proven: `call`, `sms` or `call_or_sms`. */
  channel: VerificationChannel;
  /** The number to call, E.164 (channels `call` and `call_or_sms`). */
  callTo?: string;
  /** The number to call, written for people (channels `call` and `call_or_sms`). */
  callToDisplay?: string;
  /** An SMS code was sent: enter it at `POST /verifications/:id/code` (channels `sms` and `call_or_sms`). */
  codeSent?: true;
  /** Digits of the code sent. */
  codeLength?: number;
  expiresAt: Date;
  /** Seconds left in the window. */
  expiresIn: number;
  /** Text to show the subscriber, in `locale`. */
  message: string;
  /** The language of `message` and of the SMS. */
  locale: PhoneCallAuthLocale;
}

/** Who started a verification and how; used for rate limits, hooks and the language of the texts. */
export interface StartContext {
  ip?: string;
  /** @default the `defaultChannel` option */
  channel?: VerificationChannel;
  /** The language asked for by name; wins over `acceptLanguage`. */
  locale?: string;
  /** The request's `Accept-Language` header. */
  acceptLanguage?: string | string[];
}

/** What `verifyCode` answers. */
export type CodeCheckResult =
  | { status: 'verified'; phone: E164 }
  | { status: 'wrong'; attemptsLeft: number }
  | { status: 'failed'; reason: VerificationFailReason | null }
  | { status: 'no_code' }
  /** Closed without this code: proven by the call (`verified`, `consumed`), `expired` or `canceled`. */
  | { status: 'closed'; verification: Exclude<VerificationStatus, 'pending' | 'failed'> }
  | { status: 'unauthorized' };

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

/** What `TAKE_VERIFICATION` returns: the phone if it took the verification, else the row as it was (none: unknown or wrong secret). */
interface TakenRow {
  takenPhone: E164 | null;
  status: VerificationStatus | null;
  expiresAt: Date | null;
  serverTime: Date;
}

/** Why a verification was not taken, from its effective status. */
function unconsumed(status: Exclude<VerificationStatus, 'verified'>, expiresAt: Date | null): UnconsumedResult {
  return status === 'pending' ? { status, expiresAt: expiresAt as Date } : { status };
}

/** What `MATCH_INBOUND_CALL` returns: what it recorded (no outcome: nothing) and what it verified. */
interface MatchedRow {
  outcome: InboundCallOutcome | null;
  verificationId: string | null;
  verifiedId: string | null;
  verifiedAt: Date | null;
  phone: E164 | null;
}

interface VerificationRow {
  id: string;
  phone: string;
  secretHash: Buffer;
  expiresAt: Date;
  status: VerificationStatus;
  channel: VerificationChannel;
  hasCode: boolean;
  codeAttempts: number;
  failReason: VerificationFailReason | null;
}

/** An SMS code as it is stored: SHA-256 of the verification id and the code, so equal codes differ. */
function codeHash(id: string, code: string): Buffer {
  return sha256(`${id}:${code}`);
}

/** The value if it is printable ASCII of at most `max` characters (as platform ids are), else null. */
function fits(value: string | undefined, max: number): string | null {
  return typeof value === 'string' && value.length <= max && /^[\x21-\x7e]+$/.test(value) ? value : null;
}

/**
 * The verification lifecycle: start, inbound call, redeem, cancel.
 * Every state change is one conditional UPDATE evaluated on the database clock.
 */
@Injectable()
export class VerificationService {
  private readonly logger = new Logger(VerificationService.name);
  private readonly databaseClock = new DatabaseClock();

  constructor(
    @InjectPhoneCallAuthOptions() private readonly options: ResolvedPhoneCallAuthOptions,
    @Inject(PHONE_CALL_AUTH_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly tokens: TokenService,
    private readonly rateLimits: RateLimitService,
    private readonly admission: AdmissionService,
  ) {}

  /**
   * Asks the platform to wait for a call from `phone` and records a pending verification.
   * Everything that can refuse the request as a client's mistake (400) is checked before a limit
   * counts it; the platform is asked next: when it fails, nothing is written and the start is
   * given back to every limit it counted (the SMS limits' too).
   * @throws PhoneRefusedException (400) for a number that is not valid or that `phonePolicy` refuses
   * @throws ChannelRefusedException (400) for a channel not offered, or not served for this number
   * @throws TooManyVerificationsException (429) when a limit is spent
   * @throws NumbersBusyException (429) when every number of a pool waits for an earlier verification of this phone
   * @throws ClientAddressUnknownException (503) when a limit is kept per address and `context.ip` is no address
   * @throws TelephonyPlatformException (502) or TelephonyTimeoutException (504) when the platform fails
   */
  async start(phoneInput: string, context: StartContext = {}): Promise<StartedVerification> {
    const { defaultCountry, sms } = this.options;
    const channel = this.channelOf(context.channel);
    const phone = parsePhone(phoneInput, defaultCountry);
    if (!phone) throw new PhoneRefusedException({ reason: 'invalid', defaultCountry });
    const refusal = phonePolicyRefusal(phone, this.options.phonePolicy);
    if (refusal) throw new PhoneRefusedException(refusal);
    // The phone's providers that serve the channel, in order of preference; a 502 or 504 moves to the next.
    const providers = this.providersFor(phone).filter((each) => channel === 'call' || each.sendCode);
    if (providers.length === 0) throw new ChannelRefusedException('channelNotServed', { channel });
    const locale = this.localeOf(context);
    const texts = this.options.messages[locale];
    const allowance = await this.countStart(phone.number, channel, context);
    const id = randomUUID();
    const code =
      channel === 'call' ? undefined : String(randomInt(0, 10 ** sms.codeLength)).padStart(sms.codeLength, '0');
    let provider = providers[0];
    let windowSeconds = this.options.windows[provider.name];
    let values = { phone: phone.formatInternational(), seconds: windowSeconds, site: this.options.siteName ?? '' };
    const numbersBusy = (seconds: number) => fillTemplate(texts.numbersBusy, { ...values, seconds });
    let assignment: { callTo?: string; waitId?: string } = {};
    let callTo: PhoneNumber | undefined;
    for (const [index, candidate] of providers.entries()) {
      provider = candidate;
      windowSeconds = this.options.windows[provider.name];
      values = { ...values, seconds: windowSeconds };
      try {
        assignment =
          code === undefined
            ? await this.requestCallFrom(provider, phone, windowSeconds, numbersBusy)
            : await provider.sendCode!({
                phone: phone.number,
                text: fillTemplate(texts.smsText, { ...values, code }),
                senderName: sms.senderName,
                callProtectionSeconds: channel === 'call_or_sms' ? windowSeconds : undefined,
              });
        if (channel !== 'sms') {
          callTo = assignment.callTo === undefined ? undefined : parsePlatformPhone(assignment.callTo, defaultCountry);
          if (!callTo) {
            throw new TelephonyPlatformException(provider.name, 'it handed out a number to call that is not valid');
          }
        }
        break;
      } catch (error) {
        const status = error instanceof HttpException ? error.getStatus() : 502;
        const next = error instanceof NumbersBusyException || status === 502 || status === 504;
        if (index < providers.length - 1 && next) {
          this.logger.warn(
            `${provider.name} failed (${status}) for ${maskPhone(phone.number)}; trying ${providers[index + 1].name}`,
          );
          continue;
        }
        throw await this.platformFailed(error, phone.number, allowance, provider);
      }
    }
    const secret = randomBytes(32).toString('base64url');
    const fromPool = channel === 'call' && provider.capabilities?.numberPool === true;
    const insert = () =>
      this.insertVerification({
        id,
        phone: phone.number,
        callTo: callTo?.number ?? null,
        provider: provider.name,
        waitId: assignment.waitId ?? null,
        secretHash: sha256(secret),
        windowSeconds,
        channel,
        codeHash: code === undefined ? null : codeHash(id, code),
        fromPool,
      });
    let row = await insert();
    // A pool number that a concurrent start for this phone took first: pick again, now seeing it.
    for (let again = 0; !row && fromPool && again < 2; again++) {
      try {
        assignment = await this.requestCallFrom(provider, phone, windowSeconds, numbersBusy);
      } catch (error) {
        throw await this.platformFailed(error, phone.number, allowance, provider);
      }
      callTo = assignment.callTo === undefined ? undefined : parsePlatformPhone(assignment.callTo, defaultCountry);
      row = await insert();
    }
    if (!row) {
      // Concurrent starts for this phone keep taking the numbers it picks: a second later they have settled.
      throw await this.platformFailed(new NumbersBusyException(1, numbersBusy(1)), phone.number, allowance, provider);
    }
    if (Logger.isLevelEnabled('debug')) {
      this.logger.debug(
        `Verification ${row.id} started for ${maskPhone(phone.number)} (${channel}) on ${provider.name}` +
          (callTo ? `: call ${maskPhone(callTo.number)}` : ''),
      );
    }
    const callToDisplay = callTo?.formatInternational();
    const hint =
      channel === 'call' && callToDisplay
        ? provider.callHint?.({ callToDisplay, phoneDisplay: values.phone, windowSeconds, locale })
        : undefined;
    return {
      id: row.id,
      secret,
      channel,
      ...(callTo && { callTo: callTo.number, callToDisplay }),
      ...(code !== undefined && { codeSent: true as const, codeLength: sms.codeLength }),
      expiresAt: row.expiresAt,
      expiresIn: Math.max(0, Math.round((row.expiresAt.getTime() - row.now.getTime()) / 1000)),
      message: hint ?? this.startMessage(channel, texts, { ...values, callTo: callToDisplay }),
      locale,
    };
  }

  /** The providers that serve a phone's country, in order of preference. */
  providersFor(phone: PhoneNumber): TelephonyProvider[] {
    const { routing } = this.options;
    return (phone.country && routing.byCountry[phone.country]) || routing.default;
  }

  /**
   * Counts a start against the call limits and, on the SMS channels, the SMS limits: the two
   * allowances as one, for {@link RateLimitService.refund}. A start the SMS limits refuse is
   * given back to the call limits (it was not made).
   */
  private async countStart(phone: E164, channel: VerificationChannel, context: StartContext): Promise<StartAllowance> {
    const language = { locale: context.locale, acceptLanguage: context.acceptLanguage };
    const calls = await this.admission.run('priority', () => this.rateLimits.consume(phone, context.ip, language));
    if (channel === 'call') return calls;
    try {
      const texts = await this.admission.run('priority', () => this.rateLimits.consumeSms(phone, context.ip, language));
      return { counted: [...calls.counted, ...texts.counted] };
    } catch (error) {
      await this.giveBack(calls);
      throw error;
    }
  }

  /** Gives a start back to every limit it counted, in one statement; a failure to do so is logged, not thrown. */
  private async giveBack(allowance: StartAllowance): Promise<void> {
    await this.admission
      .run('priority', () => this.rateLimits.refund(allowance))
      .catch((refundError: unknown) => {
        this.logger.warn(`Could not give a failed start back to the rate limits: ${(refundError as Error)?.message}`);
      });
  }

  /**
   * One provider's `requestCall`, with the numbers its pool must avoid and its callback URL. A pool
   * with no number left for this phone is {@link NumbersBusyException} (429), with `Retry-After`
   * until the first of its numbers is free: the pool hands a number out again only once no call
   * to it can be meant for an earlier verification of the phone (whoever started that one).
   */
  private async requestCallFrom(
    provider: TelephonyProvider,
    phone: PhoneNumber,
    windowSeconds: number,
    numbersBusy: (seconds: number) => string,
  ): Promise<CallAssignment> {
    const { callbackBaseUrl, callbacks } = this.options;
    const busy = provider.capabilities?.numberPool
      ? await this.admission.run('priority', () =>
          this.query<{ callTo: E164; freesIn: number }>(
            sql.busyNumbers({ phone: phone.number, provider: provider.name }),
          ),
        )
      : [];
    try {
      return await provider.requestCall({
        phone: phone.number,
        windowSeconds,
        busyNumbers: busy.map((row) => row.callTo),
        callbackUrl:
          callbackBaseUrl &&
          `${callbackBaseUrl}/${provider.name}/${callbacks.byProvider.get(provider.name)!.secrets[0]}`,
      });
    } catch (error) {
      if (!(error instanceof NumberPoolExhaustedException)) throw error;
      const seconds = Math.max(1, Math.min(...busy.map((row) => row.freesIn), windowSeconds));
      throw new NumbersBusyException(seconds, numbersBusy(seconds));
    }
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
   * What a start answers when the platform failed: the platform's own error (502, 504) in plain
   * words, its details logged with numbers masked, and the start given back to the rate limits
   * (whatever the failure: nothing was sent, so nothing is spent). A provider that throws
   * something else is still the platform's failure, not the client's.
   */
  private async platformFailed(
    error: unknown,
    phone: E164,
    allowance: StartAllowance,
    provider: TelephonyProvider,
  ): Promise<unknown> {
    await this.giveBack(allowance);
    if (error instanceof NumbersBusyException) {
      this.logger.warn(
        `Every number of ${provider.name}'s pool waits for a live verification of ${maskPhone(phone)}: ` +
          `answered 429, the first is free in ${error.retryAfterSeconds} s. If this is frequent, someone may ` +
          'be starting verifications for numbers that are not theirs; a larger pool makes it harder.',
      );
      return error;
    }
    if (error instanceof HttpException && ![502, 504].includes(error.getStatus())) return error;
    if (error instanceof TelephonyPlatformException || error instanceof TelephonyTimeoutException) {
      const code = error instanceof TelephonyPlatformException ? error.platformCode : undefined;
      this.logger.warn(
        `${provider.name} could not start a verification for ${maskPhone(phone)}: ${maskNumbers(error.detail)}` +
          (code && !error.detail.includes(code) ? ` (platform code ${JSON.stringify(code)})` : ''),
      );
    } else if (!(error instanceof HttpException)) {
      this.logger.error(
        `${provider.name}.requestCall failed for ${maskPhone(phone)}: ${maskNumbers(String((error as Error)?.message))}`,
      );
      error = new TelephonyPlatformException(provider.name, 'its adapter failed unexpectedly');
    }
    return error;
  }

  /**
   * Checks an SMS code: a right one verifies the verification (take it with `redeem` or `consume`),
   * a wrong one counts against `sms.maxAttempts`, after which the verification fails. One
   * conditional statement, so concurrent guesses cannot get past the limit. The code is never logged.
   */
  async verifyCode(id: string, secret: string, code: string): Promise<CodeCheckResult> {
    if (!isUUID(id)) return { status: 'unauthorized' };
    const secretHash = sha256(secret);
    const { maxAttempts } = this.options.sms;
    const [checked, row] = await this.admission.run('polling', async () => {
      const [updated] = await this.query<{ status: VerificationStatus; phone: E164; codeAttempts: number }>(
        sql.verifyCode({ id, secretHash, codeHash: codeHash(id, code), maxAttempts }),
      );
      return updated ? [updated, undefined] : [undefined, await this.find(id)];
    });
    if (checked) {
      if (checked.status === 'verified') {
        this.logger.debug(`Verification ${id} verified by SMS code`);
        return { status: 'verified', phone: checked.phone };
      }
      if (checked.status === 'failed') {
        this.logger.warn(`Verification ${id} failed: ${maxAttempts} wrong codes`);
        return { status: 'failed', reason: 'too_many_attempts' };
      }
      return { status: 'wrong', attemptsLeft: maxAttempts - checked.codeAttempts };
    }
    if (!row || !timingSafeEqual(row.secretHash, secretHash)) return { status: 'unauthorized' };
    if (!row.hasCode) return { status: 'no_code' };
    if (row.status === 'failed') return { status: 'failed', reason: row.failReason };
    // Pending here means the tries are spent in a race the statement just lost: report it failed.
    if (row.status === 'pending') return { status: 'failed', reason: 'too_many_attempts' };
    return { status: 'closed', verification: row.status };
  }

  /**
   * The text a client shows the person: how to prove the number on this channel and, where there is
   * a number to call, to call only if they started the sign-in themselves (a page that shows them
   * someone else's verification must not get them to call for it).
   */
  private startMessage(channel: VerificationChannel, texts: PhoneCallAuthMessages, values: TemplateValues): string {
    const template = { call: texts.callMessage, sms: texts.smsMessage, call_or_sms: texts.callOrSmsMessage }[channel];
    if (channel === 'sms') return fillTemplate(template, values);
    const warning = this.options.siteName ? texts.callWarning : texts.callWarningNoSite;
    return `${fillTemplate(template, values)} ${fillTemplate(warning, values)}`;
  }

  /** The channel asked for, or the default; a 400 that names the allowed ones otherwise. */
  private channelOf(asked: VerificationChannel | undefined): VerificationChannel {
    const { channels, defaultChannel, provider } = this.options;
    const channel = asked ?? defaultChannel;
    if (!channels.includes(channel)) {
      const served = provider.channels ?? ['call'];
      throw new ChannelRefusedException(
        served.includes(channel) && (channel === 'call' || provider.sendCode) ? 'channelNotOffered' : 'channelNoSms',
        { channel, channels, provider: provider.name },
      );
    }
    return channel;
  }

  /** The request's `locale`, else the best match of its `Accept-Language`, else `defaultLocale`. */
  private localeOf({ locale, acceptLanguage }: StartContext): PhoneCallAuthLocale {
    if (isLocale(locale)) return locale;
    return matchAcceptLanguage(acceptLanguage, PHONE_CALL_AUTH_LOCALES) ?? this.options.defaultLocale;
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
      const [row] = await this.admission.run('priority', () => this.query<MatchedRow>(match));
      const verified = { verifiedAt: row.verifiedAt, phone: row.phone };
      if (row.outcome) {
        result = { outcome: row.outcome, verificationId: row.verificationId, ...verified };
      } else {
        // Nothing recorded: a copy of this call id was recorded first. Should this copy still have
        // verified one (its snapshot predates the first copy's record), that one stays verified.
        const duplicate = await record('duplicate', row.verifiedId);
        result = row.verifiedId ? { outcome: 'matched', verificationId: row.verifiedId, ...verified } : duplicate;
      }
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
   * Exchanges a verified verification for the module's token, once: one statement takes it (and
   * stores the refresh token) and answers every poll that cannot take it (pending, unknown, closed);
   * the token is signed after. With the app's own `resolveSubject`, the verification is read first
   * and the token made before the take, so a hook that fails or refuses the number leaves it
   * redeemable (two statements).
   */
  async redeem(id: string, secret: string): Promise<RedeemResult> {
    if (!isUUID(id)) return { status: 'unauthorized' };
    const refreshToken = this.options.jwt.refreshTokens.enabled ? newRefreshToken() : undefined;
    const refreshTokenHash = refreshToken === undefined ? null : sha256(refreshToken);
    const result = await this.take(id, sha256(secret), refreshTokenHash, {
      make: (phone) => this.tokens.signAccessToken(phone),
      canFail: this.options.resolveSubject !== subjectIsPhone,
    });
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
   * person in from their own route.
   *
   * @example
   * const result = await verifications.consume(id, secret);
   * if (result.status === 'verified') request.session.phone = result.phone;
   */
  async consume(id: string, secret: string): Promise<ConsumeResult> {
    if (!isUUID(id)) return { status: 'unauthorized' };
    const result = await this.take(id, sha256(secret), null, { make: async () => undefined, canFail: false });
    if (result.status !== 'verified') return result;
    this.logger.debug(`Verification ${id} consumed`);
    return { status: 'verified', phone: result.phone, verificationId: id };
  }

  /**
   * Takes a verified verification with one statement ({@link sql.takeVerification}), which also
   * stores the refresh token (given by its hash), and returns what `make` made of its number. A
   * `make` that `canFail` runs before the take, on the number read by one statement first: should
   * it fail, nothing was taken. What it made is dropped when the take then finds nothing to take.
   */
  private async take<T>(
    id: string,
    secretHash: Buffer,
    refreshTokenHash: Buffer | null,
    { make, canFail }: { make: (phone: E164) => Promise<T>; canFail: boolean },
  ): Promise<{ status: 'verified'; phone: E164; made: T } | UnconsumedResult> {
    let madeFirst: { made: T } | undefined;
    if (canFail) {
      const row = await this.admission.run('polling', () => this.find(id));
      if (!row || !timingSafeEqual(row.secretHash, secretHash)) return { status: 'unauthorized' };
      if (row.status !== 'verified') return unconsumed(row.status, row.expiresAt);
      madeFirst = { made: await make(row.phone as E164) };
    }
    const taken = await this.admission.run('polling', () => this.takeBefore(id, secretHash, refreshTokenHash));
    if (taken.takenPhone) {
      const made = madeFirst ? madeFirst.made : await make(taken.takenPhone);
      return { status: 'verified', phone: taken.takenPhone, made };
    }
    if (taken.status === null) return { status: 'unauthorized' };
    // Seen verified but not taken: a concurrent redeem took it first (its UPDATE committed while this one waited).
    return taken.status === 'verified' ? { status: 'consumed' } : unconsumed(taken.status, taken.expiresAt);
  }

  /**
   * Runs {@link sql.takeVerification} with a deadline on the database's clock: the statement takes
   * nothing once node-postgres has given up waiting for it ({@link DatabaseClock}). A statement
   * that found its deadline passed and still answered in time means the clock estimate was off: it
   * has corrected it, and the statement runs once more.
   * @throws DatabaseBusyException (503) when that happens twice
   */
  private async takeBefore(id: string, secretHash: Buffer, refreshTokenHash: Buffer | null): Promise<TakenRow> {
    const { redeemSeconds } = this.options;
    for (let attempt = 1; ; attempt++) {
      const sentAt = Date.now();
      const deadline = this.databaseClock.deadline(queryTimeoutMs(this.dataSource), sentAt);
      const [row] = await this.query<TakenRow>(
        sql.takeVerification({ id, secretHash, redeemSeconds, refreshTokenHash, deadline }),
      );
      this.databaseClock.sample(row.serverTime, sentAt, Date.now());
      const late = !row.takenPhone && row.status === 'verified' && deadline !== null && row.serverTime >= deadline;
      if (!late) return row;
      this.logger.warn(
        `Redeeming verification ${id} ran ${row.serverTime.getTime() - deadline.getTime()} ms past its deadline ` +
          `on the database's clock (attempt ${attempt} of 2): the database is slow to answer, or its clock ` +
          `and this server's differ by more than estimated.`,
      );
      if (attempt === 2) throw new DatabaseBusyException();
    }
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
      this.logger.debug(`Verification ${id} canceled`);
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

  /**
   * Supersedes the phone's pending verification and inserts the new one, in one statement under the
   * phone's lock (see `INSERT_VERIFICATION`). When a concurrent start for the same phone committed
   * after that statement's snapshot, the unique index refuses it: then once more in a transaction
   * that takes the lock before the statement, so that the statement sees every start before it.
   * `undefined` when a pool's number is still live for this phone.
   */
  private async insertVerification(
    verification: Parameters<typeof sql.insertVerification>[0],
  ): Promise<{ id: string; expiresAt: Date; now: Date } | undefined> {
    type Inserted = { id: string; expiresAt: Date; now: Date };
    const statement = sql.insertVerification(verification);
    return this.admission.run('priority', async () => {
      try {
        return (await this.query<Inserted>(statement))[0];
      } catch (error) {
        if (!isUniqueViolation(error, VERIFICATION_ONE_PENDING_INDEX)) throw error;
        return this.dataSource.transaction(async (manager) => {
          await queryRows(manager, sql.lockKey(`phone:${verification.phone}`));
          return (await queryRows<Inserted>(manager, statement))[0];
        });
      }
    });
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
    if (Logger.isLevelEnabled('debug')) {
      this.logger.debug(
        `Inbound call from ${maskPhone(caller)} to ${maskPhone(dialed)}: ${result.outcome}` +
          (result.verificationId ? ` (verification ${result.verificationId})` : ''),
      );
    }
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

  /** One statement on the pool: one round trip, prepared when it is named and `preparedStatements` is on. */
  private query<T>(statement: Statement): Promise<T[]> {
    return queryPool<T>(this.dataSource, statement, this.options.preparedStatements);
  }
}
