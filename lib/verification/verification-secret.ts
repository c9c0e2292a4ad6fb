import { BadRequestException } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { VERIFICATION_SECRET_HEADER } from '../core/phone-call-auth.constants.js';

/*
 * The verification id and secret of the routes that take them (token, code, cancel, events): each
 * handler checks the secret with the statement that serves it, so no guard reads the verification
 * before it.
 */

/** One answer for an unknown id and a wrong secret, so ids cannot be probed. */
export const UNKNOWN_VERIFICATION_MESSAGE = 'Unknown verification or wrong secret.';

/** The answer for a verification id that is not a UUID. */
export const INVALID_VERIFICATION_ID_MESSAGE =
  'The verification id in the URL must be the UUID returned when it started.';

/** Refuses a verification id that is not a UUID with 400, before it costs a statement. */
export function assertVerificationId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || !isUUID(id)) throw new BadRequestException(INVALID_VERIFICATION_ID_MESSAGE);
}

/**
 * Reads the verification secret from the JSON body (`{"secret"}`) or the `X-Verification-Secret`
 * header; never from the URL, where proxies and logs would keep it.
 */
export function readVerificationSecret(request: { body?: unknown; headers: Record<string, unknown> }): string {
  const fromBody = (request.body as { secret?: unknown } | undefined)?.secret;
  const secret = fromBody ?? request.headers[VERIFICATION_SECRET_HEADER];
  if (typeof secret !== 'string' || secret.length === 0 || secret.length > 256) {
    throw new BadRequestException(
      'secret is required: send the secret returned when the verification started, as {"secret": "..."} in a JSON body or in the X-Verification-Secret header.',
    );
  }
  return secret;
}
