import { BadGatewayException, GatewayTimeoutException } from '@nestjs/common';

/**
 * The platform refused the request or answered something that is not its API's answer.
 * Answered as **502** with the platform's message, so the client knows it was not its fault.
 */
export class TelephonyPlatformException extends BadGatewayException {
  constructor(
    readonly provider: string,
    detail: string,
    readonly platformCode?: string,
  ) {
    super({
      statusCode: 502,
      error: 'Bad Gateway',
      message: `The telephony platform (${provider}) could not start the verification: ${detail}`,
      ...(platformCode !== undefined && { platformCode }),
    });
  }
}

/** The platform did not answer within the configured timeout. Answered as **504**. */
export class TelephonyTimeoutException extends GatewayTimeoutException {
  constructor(
    readonly provider: string,
    timeoutMs: number,
  ) {
    super({
      statusCode: 504,
      error: 'Gateway Timeout',
      message: `The telephony platform (${provider}) did not answer within ${timeoutMs} ms. Try again in a moment.`,
    });
  }
}
