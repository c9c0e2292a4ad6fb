import { Controller, HttpCode, Post, type Type } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { PhoneCallAuth, SameOriginOnly, VerifiedPhone, type VerifiedPhoneIdentity } from 'nestjs-phone-call-auth';

/** What `POST /me/confirm-payment` answers. */
export class PaymentConfirmation {
  @ApiProperty({ description: 'The payment is confirmed.', example: true })
  confirmed!: boolean;

  @ApiProperty({ description: 'The number proven for it, E.164.', example: '+79670311122' })
  phone!: string;

  @ApiProperty({ description: "When the number was proven (the token's `auth_time`), ISO 8601." })
  provenAt!: string;
}

/**
 * The sample's sensitive action: a payment that needs the number proven within the last `maxAge`
 * seconds (PHONE_CALL_STEP_UP_MAX_AGE). An older proof gets 401 with RFC 9470's challenge; the page
 * then proves the same number again (step-up) and retries. Made per app, since `maxAge` is configured.
 */
export function paymentController(maxAge: number): Type {
  @ApiTags('sample app')
  @Controller('me')
  class PaymentController {
    @Post('confirm-payment')
    // In cookie mode the cookie rides on any request: only this app's pages may pay (CSRF).
    @SameOriginOnly()
    @PhoneCallAuth({ maxAge })
    @HttpCode(200)
    @ApiOperation({ summary: `Confirm a payment: needs a proof of the number from the last ${maxAge} s` })
    @ApiOkResponse({ type: PaymentConfirmation, description: 'Confirmed.' })
    confirm(@VerifiedPhone() identity: VerifiedPhoneIdentity): PaymentConfirmation {
      // RecentProofGuard let the request through only with a recent auth_time.
      const provenAt = new Date((identity.claims.auth_time ?? 0) * 1000).toISOString();
      return { confirmed: true, phone: identity.phone, provenAt };
    }
  }
  return PaymentController;
}
