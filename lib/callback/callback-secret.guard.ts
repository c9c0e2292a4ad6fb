import { CanActivate, ExecutionContext, ForbiddenException, Injectable } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { InjectPhoneCallAuthOptions } from '../phone-call-auth.module-definition.js';
import type { ResolvedPhoneCallAuthOptions } from '../phone-call-auth.options.js';

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * Lets a platform's callback through only with a configured secret in the URL (`/callback/:secret`).
 * Compares digests in constant time, against every configured secret (two during rotation).
 */
@Injectable()
export class CallbackSecretGuard implements CanActivate {
  private readonly digests: Buffer[];

  constructor(@InjectPhoneCallAuthOptions() options: ResolvedPhoneCallAuthOptions) {
    this.digests = options.callbackSecrets.map(digest);
  }

  canActivate(context: ExecutionContext): boolean {
    const secret = context.switchToHttp().getRequest<{ params: Record<string, unknown> }>().params.secret;
    const candidate = digest(typeof secret === 'string' ? secret : '');
    // Compare against all secrets, without stopping early, so timing says nothing about which matched.
    const matched = this.digests.reduce((found, known) => timingSafeEqual(known, candidate) || found, false);
    if (!matched) {
      throw new ForbiddenException('Unknown callback secret: use the callback URL configured for this app.');
    }
    return true;
  }
}
