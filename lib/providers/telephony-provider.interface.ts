import type { VerificationChannel } from '../core/verification-state.js';
import type { E164 } from '../phone/phone-number.js';

/** What the module asks a platform for when a verification starts. */
export interface CallRequest {
  /** The number the subscriber will call from, E.164. */
  phone: E164;
  /** How long the platform should wait for the call, in seconds (already clamped to {@link TelephonyProvider.windowLimits}). */
  windowSeconds: number;
  /**
   * The URL at which this provider's callbacks are received (`<publicBaseUrl>/<prefix>/callback/<name>/<secret>`),
   * for platforms that take a callback URL per request (New-Tel's `callbackLink`). Absent without `publicBaseUrl`.
   */
  callbackUrl?: string;
  /**
   * Numbers (E.164) handed out to other live verifications of the same phone on this provider:
   * a provider with a number pool picks another one, so a call tells the verifications apart.
   */
  busyNumbers: E164[];
}

/** The platform's answer to a {@link CallRequest}. */
export interface CallAssignment {
  /** The number the subscriber must dial, as the platform wrote it (digits or E.164). */
  callTo: string;
  /** The platform's id of this wait (`id_call` on SSMS, `check_id` on sms.ru, `callId` on New-Tel), if it gives one. */
  waitId?: string;
}

/** What the module asks a platform for when it sends an SMS code (channels `sms` and `call_or_sms`). */
export interface CodeRequest {
  /** The number to send the SMS to, E.164. */
  phone: E164;
  /** The SMS text, code included: never log it. */
  text: string;
  /** The sender name shown to the person, where the platform and account allow one. */
  senderName?: string;
  /**
   * Channel `call_or_sms`: also wait this many seconds for a call from `phone` (SSMS `push_msg` with
   * `call_protection`), and answer the number to call as {@link CodeDelivery.callTo}.
   */
  callProtectionSeconds?: number;
}

/** The platform's answer to a {@link CodeRequest}. */
export interface CodeDelivery {
  /** With `callProtectionSeconds`: the number the subscriber may dial instead (digits or E.164). */
  callTo?: string;
  /** With `callProtectionSeconds`: the platform's id of the wait, if it gives one. */
  waitId?: string;
  /** The platform's id of the message. */
  messageId?: string;
}

/**
 * The parts of an HTTP request a provider may read when the platform reports an inbound call. The
 * module passes the same request it passed to {@link TelephonyProvider.authenticateCallback}, so a
 * provider reads its reports from the bytes it authenticated (`rawBody`, or `url` for a GET).
 */
export interface InboundCallRequest {
  method: string;
  query: Record<string, unknown>;
  /** The body as the HTTP adapter parsed it (form and JSON bodies are objects). */
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
  /** The raw body when the app was created with `rawBody: true` (`NestFactory.create(AppModule, { rawBody: true })`). */
  rawBody?: Buffer;
  /** The full URL the platform called, as {@link CallbackRequest.url}; the module always sets it. */
  url?: string;
}

/** A callback as a provider authenticates it: the request and what signatures are computed over. */
export interface CallbackRequest extends InboundCallRequest {
  /**
   * The full public URL the platform called: `publicBaseUrl` followed by the request's path and
   * query. Without `publicBaseUrl`, the URL the app saw (`http://<host><path>`), which a proxy may change.
   */
  url: string;
}

/**
 * One inbound call (or another event about a wait) as a platform reported it, before the module
 * matched it to a verification. The module parses and validates the numbers (`parsePlatformPhone`
 * with `defaultCountry`); the shipped providers write them in E.164, read in their platform's own
 * format, and leave out a caller that is not a number (then `confirmedByPlatform` is false).
 */
export interface InboundCallReport {
  /**
   * What happened: a `call` (the default) to match and verify, or `expired`, the platform saying
   * the wait `waitId` ended without a call.
   */
  event?: 'call' | 'expired';
  /** The platform's own id of the call, used to process each call once. */
  callId?: string;
  /** The platform's id of the wait this call answers (`id_call` on SSMS). */
  waitId?: string;
  /** The caller ID as the platform wrote it; withheld or missing caller IDs never match. */
  caller?: string;
  /** The number that was dialed, as the platform wrote it. */
  dialed?: string;
  /** STIR/SHAKEN verdict where a platform sends one (e.g. Twilio `StirVerstat`), kept with the record. */
  attestation?: string;
  /**
   * The platform itself checked that the call came from the wait's phone and reports no caller ID
   * (sms.ru, New-Tel): the wait id alone identifies the verification.
   */
  confirmedByPlatform?: boolean;
  /** The provider refuses this call (e.g. a STIR/SHAKEN verdict it was told not to trust): recorded as `refused`. */
  refused?: boolean;
}

/** What the module answers the platform's callback with. */
export interface CallbackAnswer {
  status: number;
  contentType: string;
  body: string;
}

/** A wait the module asks a provider about ({@link TelephonyProvider.pollStatus}). */
export interface ProviderWait {
  waitId: string;
  phone: E164;
}

/**
 * What a provider supports, for routing, docs and checks at startup. The channels it serves are
 * not here: they are {@link TelephonyProvider.channels}, the one list the module reads.
 */
export interface ProviderCapabilities {
  /** The platform reports calls to a webhook. */
  webhook: boolean;
  /** The platform signs its webhook (besides the URL secret). */
  signature: boolean;
  /** Waits can be polled ({@link TelephonyProvider.pollStatus}). */
  polling: boolean;
  /** The app owns a pool of numbers the provider hands out (so numbers are picked per phone). */
  numberPool: boolean;
  /** The provider needs `publicBaseUrl` (per-request callback URLs, signatures over the full URL). */
  needsPublicUrl: boolean;
  /**
   * The platform must get {@link TelephonyProvider.callbackAnswer} even when its callback is refused
   * (sms.ru retries for days until it reads `100`; Twilio would play an error to the caller): a
   * refused callback on its path is answered so, logged, and records nothing. Off: 403.
   */
  answerRefused: boolean;
}

/** The person-facing hint's parts. */
export interface CallHintInput {
  /** The number to call, written for people. */
  callToDisplay: string;
  /** The caller's number, written for people. */
  phoneDisplay: string;
  windowSeconds: number;
  /** The locale of the person's texts (`ru`, `en`). */
  locale: string;
}

/**
 * An adapter for a telephony platform. The module ships {@link SsmsProvider}, `SmsRuProvider`,
 * `NewTelProvider` and `TwilioVoiceProvider`, and a fake platform per adapter in
 * `nestjs-phone-call-auth/testing`; implement this interface for another platform (docs/platforms.md).
 *
 * There is no method to cancel a wait: none of the platforms documents a call that withdraws one
 * (SSMS `wait_call`, sms.ru `callcheck/add`, New-Tel `start-inbound-call-waiting`; Twilio's pool
 * has nothing to withdraw). A canceled or superseded verification's wait runs out on the platform
 * by itself, and a call that still comes for it is recorded and verifies nothing. Should a
 * platform offer one, an optional method can be added without breaking existing providers.
 */
export interface TelephonyProvider {
  /** A short stable name stored with each verification and used in the callback path, e.g. `ssms`. Letters, digits, `-`, `_`. */
  readonly name: string;
  /** The window lengths the platform accepts, in seconds; the module clamps its window into them. */
  readonly windowLimits?: { min: number; max: number };
  /** What it supports. @default a webhook, nothing else */
  readonly capabilities?: Partial<ProviderCapabilities>;
  /**
   * Asks the platform to wait for a call from `request.phone`.
   * Throws {@link TelephonyPlatformException} when the platform refuses or answers garbage,
   * {@link TelephonyTimeoutException} when it does not answer in time: the module then tries the next provider.
   */
  requestCall(request: CallRequest): Promise<CallAssignment>;
  /**
   * The channels the provider serves. @default ['call']. A provider that lists `sms` or
   * `call_or_sms` implements {@link sendCode}.
   */
  readonly channels?: readonly VerificationChannel[];
  /**
   * Sends an SMS with a code (and, with `callProtectionSeconds`, waits for a call as well). Errors
   * as {@link requestCall}. Absent on providers that cannot send SMS.
   */
  sendCode?(request: CodeRequest): Promise<CodeDelivery>;
  /** Reads the platform's reports out of its HTTP request. Never throws on bad input: returns what it can read. */
  parseInboundCall(request: InboundCallRequest): InboundCallReport[];
  /**
   * Checks the platform's own proof on a callback (a signature), after the module checked the URL
   * secret and the allowlist. Return false to refuse it (403, nothing recorded). @default accept
   */
  authenticateCallback?(request: CallbackRequest): boolean | Promise<boolean>;
  /** The answer the platform expects. @default 200 `OK` as text/plain */
  callbackAnswer?(): CallbackAnswer;
  /**
   * Asks the platform how a wait stands, for waits whose webhook may be missed: the reports its
   * webhook would have sent (the same call ids, so a late webhook is a duplicate), none while pending.
   */
  pollStatus?(wait: ProviderWait): Promise<InboundCallReport[]>;
  /** The platform's balance in its currency, for the balance health indicator. */
  getBalance?(): Promise<number>;
  /**
   * The text shown to the person for this platform's kind of call, in `input.locale`; `undefined`
   * (or no method) uses the module's catalogue text for the locale.
   */
  callHint?(input: CallHintInput): string | undefined;
}
