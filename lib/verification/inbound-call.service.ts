import type { InboundCallOutcome } from '../core/verification-state.js';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ResolvedHooks, ResolvedVerificationOptions } from '../options/resolved-options.interface.js';
import { InjectPhoneCallAuthOptions } from '../options/option-slices.js';
import { runHook } from '../core/run-hook.js';
import { type E164, maskPhone, parsePlatformPhone } from '../phone/phone-number.js';
import type { InboundCallReport } from '../providers/telephony-provider.interface.js';
import { PhoneCallAuthTelemetry } from '../telemetry/phone-call-auth.telemetry.js';
import { annotateRequest } from '../telemetry/request-context.js';
import { INBOUND_CALL_STORE, type InboundCallRecord, type InboundCallStore } from './inbound-call.store.js';
import { VERIFICATION_STORE, type VerificationStore } from './verification.store.js';
import type { InboundCallResult } from './verification.types.js';

/** A closed window still makes a call `late` (not `no_match`) for this long. */
const LATE_CALL_LOOKBACK_SECONDS = 3600;

/** The value if it is printable ASCII of at most `max` characters (as platform ids are), else null. */
function fits(value: string | undefined, max: number): string | null {
  return typeof value === 'string' && value.length <= max && /^[\x21-\x7e]+$/.test(value) ? value : null;
}

/**
 * What a platform reports: an inbound call (from a callback, or the status poller's answer), which
 * verifies the one pending verification it fits, or a wait that expired on the platform.
 */
@Injectable()
export class InboundCallService {
  private readonly logger = new Logger(InboundCallService.name);

  constructor(
    @InjectPhoneCallAuthOptions('verification') private readonly verification: ResolvedVerificationOptions,
    @InjectPhoneCallAuthOptions('hooks') private readonly hooks: ResolvedHooks,
    @Inject(INBOUND_CALL_STORE) private readonly calls: InboundCallStore,
    @Inject(VERIFICATION_STORE) private readonly verifications: VerificationStore,
    private readonly telemetry: PhoneCallAuthTelemetry,
  ) {}

  /**
   * Records an inbound call the platform reported and, when exactly one pending verification
   * in its window fits it (and `beforeVerify`, if set, agrees), verifies that one. Never throws
   * for bad input: the outcome says why nothing was verified.
   */
  async handle(report: InboundCallReport, providerName: string): Promise<InboundCallResult> {
    const { defaultCountry } = this.verification;
    const { beforeVerify } = this.hooks;
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
      this.calls.record(call, outcome, verificationId);

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
        const candidates = await this.calls.findCandidates(call, { confirmedByPlatform });
        if (candidates.length === 1 && !(await runHook('beforeVerify', () => beforeVerify(report, candidates[0])))) {
          return this.logged(await record('refused', candidates[0].id), call, providerName);
        }
        approved = candidates.length === 1 ? candidates[0].id : null;
      }
      const row = await this.calls.match(call, {
        lateLookbackSeconds: LATE_CALL_LOOKBACK_SECONDS,
        approvedId: approved,
        onlyApproved: !!beforeVerify,
        confirmedByPlatform,
      });
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
    return this.logged(result, call, providerName);
  }

  /**
   * Ends the pending verification of a wait the platform says expired (sms.ru 402), in one statement.
   * Returns whether one was pending.
   */
  async expireWait(provider: string, waitId: string | undefined): Promise<boolean> {
    const id = fits(waitId, 128);
    if (!id) return false;
    const expired = await this.verifications.expireWait(provider, id);
    if (expired) this.logger.log(`Wait ${provider}:${id} expired on the platform`);
    return expired;
  }

  /** Logs and counts what became of the call, and returns it. */
  private logged(
    result: InboundCallResult,
    { caller, dialed }: InboundCallRecord,
    provider: string,
  ): InboundCallResult {
    this.telemetry.proven('call', result.outcome, provider);
    annotateRequest({ verificationId: result.verificationId ?? undefined, provider });
    if (Logger.isLevelEnabled('debug')) {
      this.logger.debug(
        `Inbound call from ${maskPhone(caller)} to ${maskPhone(dialed)}: ${result.outcome}` +
          (result.verificationId ? ` (verification ${result.verificationId})` : ''),
      );
    }
    return { outcome: result.outcome, verificationId: result.verificationId };
  }

  private async notifyVerified(event: Parameters<NonNullable<ResolvedHooks['onVerified']>>[0]) {
    try {
      await this.hooks.onVerified?.(event);
    } catch (error) {
      this.logger.error(
        `onVerified hook failed for verification ${event.verificationId}: ${(error as Error)?.message}`,
      );
    }
  }
}
