import type { VerificationChannel } from '../database/entities/verification.entity.js';
import type { E164 } from '../phone/phone-number.js';

/** What the module asks a platform for when a verification starts. */
export interface CallRequest {
  /** The number the subscriber will call from, E.164. */
  phone: E164;
  /** How long the platform should wait for the call, in seconds (already clamped to {@link TelephonyProvider.windowLimits}). */
  windowSeconds: number;
}

/** The platform's answer to a {@link CallRequest}. */
export interface CallAssignment {
  /** The number the subscriber must dial, as the platform wrote it (digits or E.164). */
  callTo: string;
  /** The platform's id of this wait (`id_call` on SSMS), if it gives one. */
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

/** The parts of an HTTP request a provider may read when the platform reports an inbound call. */
export interface InboundCallRequest {
  method: string;
  query: Record<string, unknown>;
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * One inbound call as a platform reported it, before the module matched it to a verification.
 * Numbers are raw: the module parses and validates them.
 */
export interface InboundCallReport {
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
}

/**
 * An adapter for a telephony platform. The module ships {@link SsmsProvider} and, for tests,
 * the fake platform in `nestjs-phone-call-auth/testing`; implement this interface for another platform.
 */
export interface TelephonyProvider {
  /** A short stable name stored with each verification, e.g. `ssms`. */
  readonly name: string;
  /** The window lengths the platform accepts, in seconds; the module clamps its window into them. */
  readonly windowLimits?: { min: number; max: number };
  /**
   * Asks the platform to wait for a call from `request.phone`.
   * Throws {@link TelephonyPlatformException} when the platform refuses or answers garbage,
   * {@link TelephonyTimeoutException} when it does not answer in time.
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
  /** Reads the platform's inbound-call report out of its HTTP request. Never throws on bad input: returns what it can read. */
  parseInboundCall(request: InboundCallRequest): InboundCallReport[];
}
