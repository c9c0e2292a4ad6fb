import { Injectable, PipeTransform } from '@nestjs/common';
import { MAX_WAIT_SECONDS } from '../core/phone-call-auth.constants.js';
import { InvalidRequestException } from '../http/invalid-request.exception.js';

/**
 * Reads `?wait=N` of the token route: a whole number of seconds from 0 to {@link MAX_WAIT_SECONDS}
 * (0 when absent). Anything else (a fraction, a sign, a repeated parameter, an empty value) is a 400 `INVALID_REQUEST`.
 */
@Injectable()
export class ParseWaitPipe implements PipeTransform<unknown, number> {
  transform(value: unknown): number {
    if (value === undefined) return 0;
    if (typeof value === 'string' && /^\d{1,2}$/.test(value) && Number(value) <= MAX_WAIT_SECONDS) {
      return Number(value);
    }
    throw new InvalidRequestException('waitInvalid', { max: MAX_WAIT_SECONDS });
  }
}
