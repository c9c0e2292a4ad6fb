import { CanActivate, ExecutionContext, ForbiddenException, Injectable, Logger } from '@nestjs/common';
import { ClientBudgetExceededException } from '../rate-limit/client-budget-exceeded.exception.js';
import { ClientBudgetService } from '../rate-limit/client-budget.service.js';
import { InjectPhoneCallAuthOptions } from '../phone-call-auth.constants.js';
import { timingSafeEqual } from 'node:crypto';
import { sha256 } from '../database/sha256.js';
import { type BlockList, isIPv6 } from 'node:net';
import type { ResolvedPhoneCallAuthOptions } from '../options/resolved-options.interface.js';
import { callbackProvider, callbackRequest, type HttpCallbackRequest } from './callback-request.js';

/** Whether `ip` (IPv4, IPv6, or IPv4-mapped IPv6 such as `::ffff:203.0.113.5`) is in the list. */
function allowed(list: BlockList, ip: string | undefined): boolean {
  if (!ip) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return list.check(mapped[1], 'ipv4');
  return list.check(ip, isIPv6(ip) ? 'ipv6' : 'ipv4');
}

/**
 * Lets a platform's callback through only with a configured secret in the URL
 * (`/callback/<provider>/<secret>`, or `/callback/<secret>` for the SSMS path of old), when
 * `callbackAllowlist` is set only from those addresses, and only when the provider the path names
 * accepts the platform's own proof (`authenticateCallback`: sms.ru's hash, Twilio's signature).
 * Compares digests in constant time, against every configured secret (two during rotation). The
 * client address is `request.ip`, which Express and Fastify take from proxy headers only when the
 * app trusts the proxy.
 */
@Injectable()
export class CallbackSecretGuard implements CanActivate {
  private readonly logger = new Logger(CallbackSecretGuard.name);
  private readonly digests: Buffer[];

  constructor(
    @InjectPhoneCallAuthOptions() private readonly options: ResolvedPhoneCallAuthOptions,
    private readonly budgets: ClientBudgetService,
  ) {
    this.digests = options.callbackSecrets.map(sha256);
  }

  /** Refusals spend the address's callback budget; once it is spent, the address gets 429 until it refills. */
  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<HttpCallbackRequest>();
    const wait = this.budgets.keeps('callback') ? this.budgets.waitFor('callback', request.ip) : 0;
    if (wait > 0) throw new ClientBudgetExceededException(wait);
    try {
      return await this.check(request);
    } catch (error) {
      this.budgets.spend('callback', request.ip);
      throw error;
    }
  }

  private async check(request: HttpCallbackRequest): Promise<boolean> {
    const allowlist = this.options.callbackAllowlist;
    if (allowlist && !allowed(allowlist, request.ip)) {
      throw new ForbiddenException('Callbacks are accepted only from the addresses in callbackAllowlist.');
    }
    const secret = request.params.secret;
    const candidate = sha256(typeof secret === 'string' ? secret : '');
    // Compare against all secrets, without stopping early, so timing says nothing about which matched.
    const matched = this.digests.reduce((found, known) => timingSafeEqual(known, candidate) || found, false);
    const provider = callbackProvider(this.options, request);
    if (!matched || !provider) {
      throw new ForbiddenException('Unknown callback secret: use the callback URL configured for this app.');
    }
    if (provider.authenticateCallback) {
      let accepted = false;
      try {
        accepted = await provider.authenticateCallback(callbackRequest(this.options, request));
      } catch (error) {
        this.logger.warn(`${provider.name}.authenticateCallback failed: ${(error as Error)?.message}`);
      }
      if (!accepted) {
        this.logger.warn(`A callback to ${provider.name} had a wrong or missing platform signature; refused`);
        throw new ForbiddenException("The platform's signature of this callback is missing or wrong.");
      }
    }
    return true;
  }
}
