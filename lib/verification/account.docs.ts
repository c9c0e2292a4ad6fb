import { applyDecorators } from '@nestjs/common';
import { OpenApiBearer, OpenApiBody, OpenApiOperation, OpenApiResponse } from '../openapi/openapi.decorators.js';
import {
  ErrorResponse,
  IssuedTokenResponse,
  PendingVerificationResponse,
  StartedVerificationResponse,
  VerificationGoneResponse,
} from '../openapi/openapi.models.js';
import { AccountVerificationDto } from './account.dto.js';
import { VerificationSecretDto } from './verification.dto.js';

/*
 * The OpenAPI description of the account routes (a signed-in person: step-up, change of number).
 */

const SIGNED_IN = OpenApiResponse(401, 'No valid access token of this module (`ACCESS_TOKEN_*`).', {
  type: ErrorResponse,
});

/** OpenAPI description of `POST /account/verifications`. */
export const AccountStartDocs = (): MethodDecorator =>
  applyDecorators(
    OpenApiOperation(
      'Prove a number while signed in',
      "Starts a verification bound to the access token's subject: of the token's own number (a step-up) or of another (a change of number).",
    ),
    OpenApiBearer(),
    OpenApiBody(AccountVerificationDto, { required: false }),
    OpenApiResponse(201, 'Started, as `POST /verifications`.', { type: StartedVerificationResponse }),
    OpenApiResponse(400, 'As for `POST /verifications`.', { type: ErrorResponse }),
    SIGNED_IN,
    OpenApiResponse(429, 'A limit is spent, as for `POST /verifications`.', { type: ErrorResponse }),
  );

/** OpenAPI description of `POST /account/verifications/:id/token`. */
export const AccountRedeemDocs = (): MethodDecorator =>
  applyDecorators(
    OpenApiOperation(
      'Redeem a verification bound to you',
      'A step-up: `{status: "stepped_up", accessToken, ...}` (a new access token, fresh `auth_time`, the refresh token unchanged). ' +
        'A change of number: `{status: "number_changed", sub, previousPhone, phone}`, with a token for the new number when the app issues one.',
    ),
    OpenApiBearer(),
    OpenApiBody(VerificationSecretDto, { required: false }),
    OpenApiResponse(200, 'Stepped up, or the number changed.', { type: IssuedTokenResponse }),
    OpenApiResponse(202, 'Not proven yet: ask again, or `?wait=N`.', { type: PendingVerificationResponse }),
    SIGNED_IN,
    OpenApiResponse(
      403,
      '`SUBJECT_MISMATCH`: bound to another subject (or to none), or the number is of another account.',
      {
        type: ErrorResponse,
      },
    ),
    OpenApiResponse(410, 'Expired, canceled or already redeemed.', { type: VerificationGoneResponse }),
  );
