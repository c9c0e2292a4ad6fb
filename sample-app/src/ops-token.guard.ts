import {
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  NotFoundException,
  UnauthorizedException,
} from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';

/** The operator token (`SampleConfig.opsToken`, from PHONE_CALL_OPS_TOKEN), or null when the operator routes are off. */
export const OPS_TOKEN = 'OPS_TOKEN';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Guards the operator routes (`/ops`, `/metrics`): only `Authorization: Bearer <PHONE_CALL_OPS_TOKEN>`
 * passes, compared in constant time (as SHA-256 digests, so the length says nothing either); any
 * other request is 401. With PHONE_CALL_OPS_TOKEN unset, the routes answer 404, as if they did not
 * exist (the app logs at startup how to turn them on).
 */
@Injectable()
export class OpsTokenGuard implements CanActivate {
  private readonly expected: Buffer | null;

  constructor(@Inject(OPS_TOKEN) token: string | null) {
    this.expected = token ? digest(token) : null;
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.expected) throw new NotFoundException();
    const { authorization } = context
      .switchToHttp()
      .getRequest<{ headers: Record<string, string | string[] | undefined> }>().headers;
    const given = typeof authorization === 'string' ? /^Bearer ([\x21-\x7e]+)$/.exec(authorization)?.[1] : undefined;
    if (given === undefined || !timingSafeEqual(digest(given), this.expected)) {
      throw new UnauthorizedException('The operator routes need Authorization: Bearer <PHONE_CALL_OPS_TOKEN>.');
    }
    return true;
  }
}
