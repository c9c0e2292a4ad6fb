import {
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  NotFoundException,
  UnauthorizedException,
} from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';

/** The injection token of the operator token (PHONE_CALL_OPS_TOKEN), `null` when unset. */
export const OPS_TOKEN = 'SAMPLE_OPS_TOKEN';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Guards the operator routes (`/metrics`): only `Authorization: Bearer <PHONE_CALL_OPS_TOKEN>`
 * passes, compared in constant time (over digests, so the length says nothing either); anything
 * else is 401. With PHONE_CALL_OPS_TOKEN unset, the routes answer 404 (the app says so at startup).
 */
@Injectable()
export class OpsTokenGuard implements CanActivate {
  private readonly expected: Buffer | null;

  constructor(@Inject(OPS_TOKEN) token: string | null) {
    this.expected = token ? digest(token) : null;
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.expected) throw new NotFoundException();
    const header = context.switchToHttp().getRequest<{ headers: Record<string, unknown> }>().headers.authorization;
    const given = typeof header === 'string' && /^Bearer [^\s]+$/.test(header) ? header.slice(7) : '';
    if (!timingSafeEqual(digest(given), this.expected)) throw new UnauthorizedException();
    return true;
  }
}
