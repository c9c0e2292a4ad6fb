import { CanActivate, ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';
import { type BlockList, isIPv4 } from 'node:net';
import { canonicalAddress } from '../http/client-address.js';
import { sha256 } from '../core/sha256.js';
import type { ResolvedProviderCallback } from '../options/resolve-callbacks.js';
import type { ResolvedPlatforms } from '../options/resolved-options.interface.js';
import { InjectPhoneCallAuthOptions } from '../options/option-slices.js';
import type { TelephonyProvider } from '../providers/telephony-provider.interface.js';
import { ClientBudgetService } from '../rate-limit/client-budget.service.js';
import { PhoneCallAuthTelemetry } from '../telemetry/phone-call-auth.telemetry.js';
import { CallbackRefusedException } from './callback-refused.exception.js';
import { callbackProvider, callbackRequest, type HttpCallbackRequest } from './callback-request.js';

/** Refusals the client is told apart (the others are all "unknown callback URL"). */
const ADDRESS_REFUSED = 'an address outside its allowlist';
const SIGNATURE_REFUSED = 'a wrong or missing platform signature';

/** Whether `ip` is in the list; IPv4 in any IPv6 spelling (`::ffff:203.0.113.5`) counts as the IPv4 address. */
function allowed(list: BlockList, ip: string | undefined): boolean {
  const address = canonicalAddress(ip);
  if (!address) return false;
  return list.check(address, isIPv4(address) ? 'ipv4' : 'ipv6');
}

/** Whether `secret` is one of the provider's, compared in constant time against every one (two during rotation). */
function knownSecret(callback: ResolvedProviderCallback, secret: unknown): boolean {
  const candidate = sha256(typeof secret === 'string' ? secret : '');
  // No early stop, so timing says nothing about which secret matched.
  return callback.digests.reduce((found, known) => timingSafeEqual(known, candidate) || found, false);
}

/**
 * Lets a platform's callback through only when the path names a provider (`/callback/<name>/<secret>`,
 * or `/callback/<secret>` for the provider of the unnamed path, SSMS's of old) and carries that
 * provider's own secret, when the request comes from that provider's allowlist (if it has one), and
 * when the provider accepts the platform's own proof (`authenticateCallback`: sms.ru's hash, Twilio's
 * signature). A secret opens its own provider's path only: one platform cannot use what it was told
 * (New-Tel's `callbackLink`) on another's.
 *
 * Only refusals count against the client's callback budget; once it is spent, refusals get 429.
 * A callback that passes is never throttled, so a platform's genuine callbacks cannot be starved by
 * wrong secrets sent from its neighbours' addresses. The client address is `request.ip`, which
 * Express and Fastify take from proxy headers only when the app trusts the proxy.
 */
@Injectable()
export class CallbackSecretGuard implements CanActivate {
  private readonly logger = new Logger(CallbackSecretGuard.name);

  constructor(
    @InjectPhoneCallAuthOptions('platforms') private readonly platforms: ResolvedPlatforms,
    private readonly budgets: ClientBudgetService,
    private readonly telemetry: PhoneCallAuthTelemetry,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<HttpCallbackRequest>();
    const provider = callbackProvider(this.platforms, request);
    const refusal = provider ? await this.refusal(request, provider) : 'an unknown provider in the path';
    if (refusal === undefined) return true;
    // `unknown`, not the path's word: the path is the client's, and attributes stay low-cardinality.
    this.telemetry.callback(provider?.name ?? 'unknown', 'refused');
    // Spends one unit of the refused client's budget, or throws 429 when it has none left.
    if (this.budgets.keeps('callback')) this.budgets.spend('callback', request.ip);
    this.logger.warn(`A callback to ${provider?.name ?? 'an unknown provider'} was refused: ${refusal}`);
    throw new CallbackRefusedException(
      refusal === SIGNATURE_REFUSED
        ? "The platform's signature of this callback is missing or wrong."
        : refusal === ADDRESS_REFUSED
          ? "Callbacks are accepted only from the addresses in the platform's allowlist (callbacks[name].allowlist, else callbackAllowlist)."
          : 'Unknown callback URL: use the callback URL configured for this platform.',
      provider?.capabilities?.answerRefused ? provider.callbackAnswer?.() : undefined,
    );
  }

  /** Why the callback is refused, in words for the log; `undefined` when it passes. */
  private async refusal(request: HttpCallbackRequest, provider: TelephonyProvider): Promise<string | undefined> {
    const callback = this.platforms.callbacks.byProvider.get(provider.name)!;
    // The address first: a refusal for it says nothing about whether the secret was right.
    if (callback.allowlist && !allowed(callback.allowlist, request.ip)) return ADDRESS_REFUSED;
    if (!knownSecret(callback, request.params.secret)) return 'a wrong secret';
    if (!provider.authenticateCallback) return undefined;
    try {
      if (await provider.authenticateCallback(callbackRequest(this.platforms, request))) return undefined;
    } catch (error) {
      this.logger.warn(`${provider.name}.authenticateCallback failed: ${(error as Error)?.message}`);
    }
    return SIGNATURE_REFUSED;
  }
}
