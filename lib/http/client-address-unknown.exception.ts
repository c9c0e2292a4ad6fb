import { HttpStatus, ServiceUnavailableException } from '@nestjs/common';

/**
 * The server cannot tell the client's address (`request.ip` is empty or not an address), so the
 * limits kept per address cannot count the request: **503**, in plain words, and no `Retry-After`
 * (it lasts until the app is configured). Refused rather than let through unlimited; the operator
 * is told how to fix it in the log ({@link ClientAddressService}).
 */
export class ClientAddressUnknownException extends ServiceUnavailableException {
  constructor(message: string) {
    super({ statusCode: HttpStatus.SERVICE_UNAVAILABLE, error: 'Service Unavailable', message });
  }
}
