import { HttpException } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import { PHONE_CALL_AUTH_ERROR_CODES, type PhoneCallAuthErrorCode } from './error-codes.js';

/**
 * Which text of the catalogue (`messages`) an error's message is, and what fills its placeholders:
 * the module's exception filter writes it again in the request's language. A list value is a list
 * of words (number types, channels), written in the reader's language and joined with its "or".
 */
export interface PhoneCallAuthErrorText {
  /** The catalogue's key (`PhoneCallAuthMessages`), e.g. `invalidPhone`. */
  readonly key: string;
  readonly values?: Readonly<Record<string, string | number | readonly string[]>>;
}

/** The JSON body of an error answer: Nest's shape and the `code`. */
export interface PhoneCallAuthErrorBody {
  statusCode: number;
  /** The status's name, e.g. `Bad Request`. */
  error: string;
  /** What went wrong, for machines: one of {@link PHONE_CALL_AUTH_ERROR_CODES}. */
  code: PhoneCallAuthErrorCode;
  /** What went wrong, for people: in the request's language on the module's routes. */
  message: string;
  /** Fields of some codes: `retryAfter`, `attemptsLeft`, `status`, `reason`. */
  [field: string]: unknown;
}

/**
 * The base of every error the module answers a client with: an `HttpException` whose body carries a
 * stable `code` ({@link PHONE_CALL_AUTH_ERROR_CODES}, also on the exception as `code` and Nest's
 * `errorCode`) beside Nest's `statusCode`, `error` and `message`. The status follows from the code.
 * The message is written when the exception is made (in English unless the thrower knew the
 * language); the module's routes answer it in the request's language (`PhoneCallAuthExceptionFilter`).
 *
 * @example
 * try {
 *   await verifications.start(phone, context);
 * } catch (error) {
 *   if (error instanceof PhoneCallAuthException && error.code === 'INVALID_PHONE') ...
 *   throw error;
 * }
 */
export class PhoneCallAuthException extends HttpException {
  /** What went wrong, for machines. */
  readonly code: PhoneCallAuthErrorCode;
  /** The catalogue text of the message, for writing it in another language; none for a text that is not the catalogue's. */
  readonly text?: PhoneCallAuthErrorText;

  constructor(
    code: PhoneCallAuthErrorCode,
    message: string,
    options: {
      text?: PhoneCallAuthErrorText;
      /** More fields of the body (`retryAfter`, `attemptsLeft`...). */
      fields?: Record<string, unknown>;
      cause?: unknown;
    } = {},
  ) {
    const status = PHONE_CALL_AUTH_ERROR_CODES[code];
    const body: PhoneCallAuthErrorBody = {
      statusCode: status,
      error: STATUS_CODES[status] ?? 'Error',
      code,
      message,
      ...options.fields,
    };
    super(body, status, { errorCode: code, ...(options.cause !== undefined && { cause: options.cause }) });
    this.code = code;
    this.text = options.text;
  }

  override getResponse(): PhoneCallAuthErrorBody {
    return super.getResponse() as PhoneCallAuthErrorBody;
  }
}
