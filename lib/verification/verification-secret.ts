import { isUUID } from 'class-validator';
import { VERIFICATION_SECRET_HEADER } from '../core/phone-call-auth.constants.js';
import { InvalidRequestException } from '../http/invalid-request.exception.js';

/*
 * The verification id and secret of the routes that take them (token, code, cancel, events): each
 * handler checks the secret with the statement that serves it, so no guard reads the verification
 * before it.
 */

/** Refuses a verification id that is not a UUID with 400 `INVALID_REQUEST`, before it costs a statement. */
export function assertVerificationId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || !isUUID(id)) throw new InvalidRequestException('invalidVerificationId');
}

/**
 * Reads the verification secret from the JSON body (`{"secret"}`) or the `X-Verification-Secret`
 * header; never from the URL, where proxies and logs would keep it.
 */
export function readVerificationSecret(request: { body?: unknown; headers: Record<string, unknown> }): string {
  const fromBody = (request.body as { secret?: unknown } | undefined)?.secret;
  const secret = fromBody ?? request.headers[VERIFICATION_SECRET_HEADER];
  if (typeof secret !== 'string' || secret.length === 0 || secret.length > 256) {
    throw new InvalidRequestException('secretRequired');
  }
  return secret;
}
