import type { VerificationChannel } from '../core/verification-state.js';
import { HttpException, Inject, Injectable, Logger } from '@nestjs/common';
import type { PhoneNumber } from 'libphonenumber-js/max';
import { randomBytes, randomUUID } from 'node:crypto';
import { sha256 } from '../core/sha256.js';
import { fillTemplate, type PhoneCallAuthMessages } from '../i18n/messages.js';
import type {
  ResolvedLimits,
  ResolvedPlatforms,
  ResolvedTexts,
  ResolvedVerificationOptions,
} from '../options/resolved-options.interface.js';
import { InjectPhoneCallAuthOptions } from '../options/option-slices.js';
import { channelsServedBy } from '../options/resolve-platforms.js';
import { maskNumbers, maskPhone, parsePhone, parsePlatformPhone } from '../phone/phone-number.js';
import { phonePolicyRefusal } from '../phone/phone-policy.js';
import { RateLimitService, type SmsDestination, type StartAllowance } from '../rate-limit/rate-limit.service.js';
import { smsPrefixOf } from '../rate-limit/sms-prefix.js';
import { PhoneCallAuthTelemetry } from '../telemetry/phone-call-auth.telemetry.js';
import { annotateRequest } from '../telemetry/request-context.js';
import type { CallAssignment, TelephonyProvider } from '../providers/telephony-provider.interface.js';
import {
  NumberPoolExhaustedException,
  TelephonyPlatformException,
  TelephonyTimeoutException,
} from '../providers/telephony.exceptions.js';
import { ChannelRefusedException } from './channel-refused.exception.js';
import { NumbersBusyException } from './numbers-busy.exception.js';
import { PhoneRefusedException } from './phone-refused.exception.js';
import { OPS_EVENT_STORE, type OpsEventStore } from '../ops/ops-event.store.js';
import type { PlatformAttempt } from '../ops/ops.types.js';
import { RefusalTally } from '../ops/refusal-tally.service.js';
import { PhoneCallAuthException } from '../core/phone-call-auth.exception.js';
import { firstAnswer, platformAttempt } from './provider-failover.js';
import { codeHash, newSmsCode } from './sms-code.js';
import { localeOf, startMessage } from './start-message.js';
import { attemptEvents, failedStart, type StartSeen } from './start-records.js';
import { VERIFICATION_STORE, type VerificationStore } from './verification.store.js';
import type { StartContext, StartedVerification } from './verification.types.js';

/** What the provider that answered a start handed out: the wait, and the number to call (not on `sms`). */
interface Proof {
  assignment: { callTo?: string; waitId?: string };
  callTo?: PhoneNumber;
}

/**
 * Starts a verification: checks the number and the channel, counts the start against the limits,
 * asks the phone's providers in order of preference (the next one on a 502 or 504), and records
 * the pending verification in one statement.
 */
@Injectable()
export class StartVerificationService {
  private readonly logger = new Logger(StartVerificationService.name);

  constructor(
    @InjectPhoneCallAuthOptions('platforms') private readonly platforms: ResolvedPlatforms,
    @InjectPhoneCallAuthOptions('verification') private readonly verification: ResolvedVerificationOptions,
    @InjectPhoneCallAuthOptions('texts') private readonly texts: ResolvedTexts,
    @InjectPhoneCallAuthOptions('limits') private readonly limits: ResolvedLimits,
    @Inject(VERIFICATION_STORE) private readonly store: VerificationStore,
    private readonly rateLimits: RateLimitService,
    private readonly telemetry: PhoneCallAuthTelemetry,
    @Inject(OPS_EVENT_STORE) private readonly events: OpsEventStore,
    private readonly refusals: RefusalTally,
  ) {}

  /**
   * Asks the platform to wait for a call from `phone` and records a pending verification.
   * Everything that can refuse the request as a client's mistake (400) is checked before a limit
   * counts it; the platform is asked next: when it fails, nothing is written and the start is
   * given back to every limit it counted (the SMS limits' too). A `call_or_sms` start to a prefix
   * the SMS fraud guard blocks (`limits.fraudGuard`) becomes a `call` start: no SMS is sent.
   * @throws PhoneRefusedException (400) for a number that is not valid or that `phonePolicy` refuses
   * @throws ChannelRefusedException (400) for a channel not offered, or not served for this number
   * @throws TooManyVerificationsException (429) when a limit is spent
   * @throws SmsPrefixBlockedException (429) for an `sms` start to a prefix the SMS fraud guard blocks
   * @throws NumbersBusyException (429) when every number of a pool waits for an earlier verification of this phone
   * @throws ClientAddressUnknownException (503) when a limit is kept per address and `context.ip` is no address
   * @throws TelephonyPlatformException (502) or TelephonyTimeoutException (504) when the platform fails
   */
  async start(phoneInput: string, context: StartContext = {}): Promise<StartedVerification> {
    const seen: StartSeen = {};
    const phone = parsePhone(phoneInput, this.verification.defaultCountry);
    try {
      const started = await this.begin(phone, context, seen);
      this.telemetry.started({ channel: started.channel, ...seen, outcome: 'started' });
      return started;
    } catch (error) {
      this.telemetry.started({ channel: seen.channel ?? 'none', ...seen, outcome: failedStart(error) });
      // A refusal (400, 429) is counted in memory for the dashboard: a flood of them writes nothing.
      if (error instanceof PhoneCallAuthException && error.getStatus() < 500 && error.code !== 'NUMBERS_BUSY') {
        this.refusals.count({
          reason: error.code,
          channel: context.channel ?? this.verification.defaultChannel,
          country: phone?.country,
          phone: phone?.number,
        });
      }
      throw error;
    }
  }

  /** The start itself; `seen` collects its attributes as it learns them. */
  private async begin(
    phone: PhoneNumber | undefined,
    context: StartContext,
    seen: StartSeen,
  ): Promise<StartedVerification> {
    const { defaultCountry, sms } = this.verification;
    if (context.subject !== undefined && (typeof context.subject !== 'string' || context.subject.length === 0)) {
      throw new TypeError('start(phone, { subject }): subject must be a non-empty string, the signed-in user.');
    }
    const asked = (seen.channel = this.channelOf(context.channel));
    if (!phone) throw new PhoneRefusedException({ reason: 'invalid', defaultCountry });
    seen.country = phone.country;
    const refusal = phonePolicyRefusal(phone, this.verification.phonePolicy);
    if (refusal) {
      this.telemetry.refused('number_policy');
      throw new PhoneRefusedException(refusal);
    }
    // The phone's providers that serve the channel, in order of preference; a 502 or 504 moves to the next.
    const providers = this.providersFor(phone).filter((each) => asked === 'call' || each.sendCode);
    if (providers.length === 0) throw new ChannelRefusedException('channelNotServed', { channel: asked });
    const locale = localeOf(context, this.texts.defaultLocale);
    const texts = this.texts.messages[locale];
    const language = { locale: context.locale, acceptLanguage: context.acceptLanguage };
    const allowance = await this.rateLimits.countStart(
      phone.number,
      asked,
      context.ip,
      language,
      this.destinationOf(phone, asked),
    );
    const channel = (seen.channel = allowance.callOnly ? 'call' : asked);
    const id = randomUUID();
    const code = channel === 'call' ? undefined : newSmsCode(sms.codeLength);
    const valuesFor = (provider: TelephonyProvider) => this.templateValues(provider, phone);
    const numbersBusy = (provider: TelephonyProvider) => (seconds: number) =>
      fillTemplate(texts.numbersBusy, { ...valuesFor(provider), seconds });

    const tried = await firstAnswer(
      providers,
      (provider) => this.askForProof(provider, phone, channel, code, texts, numbersBusy(provider)),
      (failed, status, next) =>
        this.logger.warn(`${failed.name} failed (${status}) for ${maskPhone(phone.number)}; trying ${next.name}`),
    );
    seen.provider = tried.provider.name;
    const { attempts } = tried;
    const fails = (error: unknown, provider: TelephonyProvider) =>
      this.platformFailed(error, phone, channel, attempts, allowance, provider);
    if (!tried.ok) throw await fails(tried.error, tried.provider);
    const { provider } = tried;
    const windowSeconds = this.platforms.windows[provider.name];
    const secret = randomBytes(32).toString('base64url');
    const fromPool = channel === 'call' && provider.capabilities?.numberPool === true;
    const insert = ({ assignment, callTo }: Proof) =>
      this.store.insert({
        id,
        phone: phone.number,
        callTo: callTo?.number ?? null,
        provider: provider.name,
        waitId: assignment.waitId ?? null,
        secretHash: sha256(secret),
        windowSeconds,
        channel,
        codeHash: code === undefined ? null : codeHash(id, code),
        smsPrefix: allowance.prefix?.prefix ?? null,
        fromPool,
        subject: context.subject ?? null,
        events: attemptEvents(attempts, phone, channel, id),
      });
    let proof = tried.answer;
    let row = await insert(proof);
    // A pool number that a concurrent start for this phone took first: pick again, now seeing it.
    for (let again = 0; !row && fromPool && again < 2; again++) {
      const startedAt = performance.now();
      try {
        const assignment = await this.requestCallFrom(provider, phone, windowSeconds, numbersBusy(provider));
        attempts.push(platformAttempt(provider, startedAt));
        proof = { assignment, callTo: this.callToOf(assignment) };
      } catch (error) {
        attempts.push(platformAttempt(provider, startedAt, error));
        throw await fails(error, provider);
      }
      row = await insert(proof);
    }
    if (!row) {
      // Concurrent starts for this phone keep taking the numbers it picks: a second later they have settled.
      throw await fails(new NumbersBusyException(1, numbersBusy(provider)(1)), provider);
    }
    const { callTo } = proof;
    annotateRequest({ verificationId: row.id, provider: provider.name });
    if (Logger.isLevelEnabled('debug')) {
      this.logger.debug(
        `Verification ${row.id} started for ${maskPhone(phone.number)} (${channel}` +
          (channel === asked ? '' : `: ${asked} asked, SMS blocked by the fraud guard`) +
          `) on ${provider.name}` +
          (callTo ? `: call ${maskPhone(callTo.number)}` : ''),
      );
    }
    const values = valuesFor(provider);
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
      message: hint ?? startMessage(channel, texts, { ...values, callTo: callToDisplay }, this.texts.siteName),
      locale,
    };
  }

  /** What the SMS fraud guard judges an SMS start by; none on `call`, or with the guard off. */
  private destinationOf(phone: PhoneNumber, channel: VerificationChannel): SmsDestination | undefined {
    const guard = this.limits.fraudGuard;
    if (!guard || channel === 'call') return undefined;
    return {
      prefix: smsPrefixOf(phone, guard.prefixDigits),
      country: phone.country ?? null,
      callOffered: this.verification.channels.includes('call'),
    };
  }

  /** The providers that serve a phone's country, in order of preference. */
  providersFor(phone: PhoneNumber): TelephonyProvider[] {
    const { routing } = this.platforms;
    return (phone.country && routing.byCountry[phone.country]) || routing.default;
  }

  /**
   * One provider's part of a start: a call to wait for (`call`), an SMS code sent (`sms`), or both
   * (`call_or_sms`, the platform guarding the call for the window). A number to call that is not
   * valid is the platform's failure.
   */
  private async askForProof(
    provider: TelephonyProvider,
    phone: PhoneNumber,
    channel: VerificationChannel,
    code: string | undefined,
    texts: PhoneCallAuthMessages,
    numbersBusy: (seconds: number) => string,
  ): Promise<Proof> {
    const values = this.templateValues(provider, phone);
    const windowSeconds = values.seconds;
    const assignment =
      code === undefined
        ? await this.requestCallFrom(provider, phone, windowSeconds, numbersBusy)
        : await this.telemetry.platformRequest(provider.name, 'sendCode', () =>
            provider.sendCode!({
              phone: phone.number,
              text: fillTemplate(texts.smsText, { ...values, code }),
              senderName: this.verification.sms.senderName,
              callProtectionSeconds: channel === 'call_or_sms' ? windowSeconds : undefined,
            }),
          );
    if (channel === 'sms') return { assignment };
    const callTo = this.callToOf(assignment);
    if (!callTo) {
      throw new TelephonyPlatformException(provider.name, 'it handed out a number to call that is not valid');
    }
    return { assignment, callTo };
  }

  /** The values of the texts of a start on `provider`: the phone, its window and the site. */
  private templateValues(provider: TelephonyProvider, phone: PhoneNumber) {
    return {
      phone: phone.formatInternational(),
      seconds: this.platforms.windows[provider.name],
      site: this.texts.siteName ?? '',
    };
  }

  private callToOf(assignment: { callTo?: string }): PhoneNumber | undefined {
    return assignment.callTo === undefined
      ? undefined
      : parsePlatformPhone(assignment.callTo, this.verification.defaultCountry);
  }

  /** The channel asked for, or the default; a 400 that names the allowed ones otherwise. */
  private channelOf(asked: VerificationChannel | undefined): VerificationChannel {
    const { channels, defaultChannel } = this.verification;
    const channel = asked ?? defaultChannel;
    if (!channels.includes(channel)) {
      // `call` is served by every provider, so a channel none serves is an SMS one.
      const { providers } = this.platforms;
      throw new ChannelRefusedException(
        providers.some((provider) => channelsServedBy(provider).includes(channel))
          ? 'channelNotOffered'
          : 'channelNoSms',
        { channel, channels, provider: providers.map((provider) => provider.name).join(', ') },
      );
    }
    return channel;
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
    const busy = provider.capabilities?.numberPool ? await this.store.busyNumbers(phone.number, provider.name) : [];
    try {
      return await this.telemetry.platformRequest(provider.name, 'requestCall', () =>
        provider.requestCall({
          phone: phone.number,
          windowSeconds,
          busyNumbers: busy.map((row) => row.callTo),
          callbackUrl: this.platforms.callbacks.byProvider.get(provider.name)!.url,
        }),
      );
    } catch (error) {
      if (!(error instanceof NumberPoolExhaustedException)) throw error;
      const seconds = Math.max(1, Math.min(...busy.map((row) => row.freesIn), windowSeconds));
      throw new NumbersBusyException(seconds, numbersBusy(seconds));
    }
  }

  /**
   * What a start answers when the platform failed: the platform's own error (502, 504) in plain
   * words, its details logged with numbers masked, and the start given back to the rate limits
   * (whatever the failure: nothing was sent, so nothing is spent). A provider that throws
   * something else is still the platform's failure, not the client's. The platforms' answers are
   * recorded for the dashboard: one statement, as a failed start has none to fold them into (each
   * client's starts are bounded by its start budget, and the insert waits in the polling queue of
   * admission control, so a platform outage does not crowd out starts and callbacks).
   */
  private async platformFailed(
    error: unknown,
    phoneNumber: PhoneNumber,
    channel: VerificationChannel,
    attempts: readonly PlatformAttempt[],
    allowance: StartAllowance,
    provider: TelephonyProvider,
  ): Promise<unknown> {
    const phone = phoneNumber.number;
    await this.rateLimits.giveBack(allowance);
    await this.events.insert(attemptEvents(attempts, phoneNumber, channel, null)).catch((recordError: unknown) => {
      this.logger.warn(`Could not record a failed start for the dashboard: ${(recordError as Error)?.message}`);
    });
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
}
