import { Inject, Injectable, Logger } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { timingSafeEqual } from 'node:crypto';
import { sha256 } from '../core/sha256.js';
import type { ResolvedLimits, ResolvedVerificationOptions } from '../options/resolved-options.interface.js';
import { InjectPhoneCallAuthOptions } from '../options/option-slices.js';
import { PhoneCallAuthTelemetry } from '../telemetry/phone-call-auth.telemetry.js';
import { annotateRequest } from '../telemetry/request-context.js';
import { codeHash } from './sms-code.js';
import { VERIFICATION_STORE, type VerificationStore } from './verification.store.js';
import type { CodeCheckResult } from './verification.types.js';

/** Checks the SMS code of a verification. */
@Injectable()
export class CodeCheckService {
  private readonly logger = new Logger(CodeCheckService.name);

  constructor(
    @InjectPhoneCallAuthOptions('verification') private readonly verification: ResolvedVerificationOptions,
    @InjectPhoneCallAuthOptions('limits') private readonly limits: ResolvedLimits,
    @Inject(VERIFICATION_STORE) private readonly store: VerificationStore,
    private readonly telemetry: PhoneCallAuthTelemetry,
  ) {}

  /**
   * Checks an SMS code: a right one verifies the verification (take it with `redeem` or `consume`),
   * a wrong one counts against `sms.maxAttempts`, after which the verification fails. One
   * conditional statement, so concurrent guesses cannot get past the limit; a right one also counts
   * as entered for the SMS fraud guard (`limits.fraudGuard`). The code is never logged.
   */
  async verifyCode(id: string, secret: string, code: string): Promise<CodeCheckResult> {
    const result = await this.check(id, secret, code);
    this.telemetry.proven('code', result.status);
    return result;
  }

  private async check(id: string, secret: string, code: string): Promise<CodeCheckResult> {
    if (!isUUID(id)) return { status: 'unauthorized' };
    annotateRequest({ verificationId: id });
    const secretHash = sha256(secret);
    const { maxAttempts } = this.verification.sms;
    const { fraudGuard } = this.limits;
    const found = await this.store.checkCode({
      id,
      secretHash,
      codeHash: codeHash(id, code),
      maxAttempts,
      prefixWindowSeconds: fraudGuard ? fraudGuard.windowSeconds : null,
    });
    const { checked } = found;
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
    const { row } = found;
    if (!row || !timingSafeEqual(row.secretHash, secretHash)) return { status: 'unauthorized' };
    if (!row.hasCode) return { status: 'no_code' };
    if (row.status === 'failed') return { status: 'failed', reason: row.failReason };
    // Pending here means the tries are spent in a race the statement just lost: report it failed.
    if (row.status === 'pending') return { status: 'failed', reason: 'too_many_attempts' };
    return { status: 'closed', verification: row.status };
  }
}
