import { IsIn, IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { OpenApiProperty } from '../openapi/openapi.decorators.js';

/*
 * class-validator checks a property's decorators bottom-up; the controller's ValidationPipe stops
 * at the first that fails (stopAtFirstError), so the bottom one gives the first message.
 */

/** Body of `POST /verifications`. */
export class StartVerificationDto {
  /** The number to verify, in any common notation: `+7 967 031-11-22`, `8 (967) 031-11-22`. */
  @OpenApiProperty({
    type: 'string',
    maxLength: 64,
    description: 'The number to verify, in any common notation; without a country code it is read as `defaultCountry`.',
    example: '+7 967 031-11-22',
  })
  @MaxLength(64, { message: 'phone must be at most 64 characters' })
  @IsString({ message: 'phone must be a string, e.g. "+7 967 031-11-22"' })
  @IsNotEmpty({ message: 'phone is required, e.g. "+7 967 031-11-22"' })
  phone!: string;

  /** How the person proves the number: `call`, `sms` or `call_or_sms`; the allowed ones are set by the app. */
  @OpenApiProperty({
    type: 'string',
    enum: ['call', 'sms', 'call_or_sms'],
    required: false,
    description:
      "How the number is proven: a call from it, an SMS code, or either. @default the app's `defaultChannel`",
  })
  @IsIn(['call', 'sms', 'call_or_sms'], { message: 'channel must be one of call, sms, call_or_sms' })
  @IsOptional()
  channel?: 'call' | 'sms' | 'call_or_sms';

  /** The language of the texts (`ru` or `en`); wins over `Accept-Language`. */
  @OpenApiProperty({
    type: 'string',
    enum: ['ru', 'en'],
    required: false,
    description: "The language of `message` and the SMS; else from `Accept-Language`, else the app's default.",
  })
  @IsIn(['ru', 'en'], { message: 'locale must be ru or en' })
  @IsOptional()
  locale?: 'ru' | 'en';
}

/** Body of `POST /verifications/:id/token` and `DELETE /verifications/:id` (the secret may come in a header instead). */
export class VerificationSecretDto {
  @OpenApiProperty({
    type: 'string',
    maxLength: 256,
    required: false,
    description: 'The secret from the start answer; or send it in the `X-Verification-Secret` header.',
  })
  @MaxLength(256, { message: 'secret must be at most 256 characters' })
  @IsString({ message: 'secret must be a string' })
  @IsOptional()
  secret?: string;
}

/** Body of `POST /verifications/:id/code`. */
export class VerificationCodeDto extends VerificationSecretDto {
  @OpenApiProperty({ type: 'string', description: 'The code from the SMS: 4 to 8 digits.', example: '123456' })
  @Matches(/^[0-9]{4,8}$/, { message: 'code must be the 4 to 8 digits from the SMS' })
  @IsString({ message: 'code must be a string of the digits from the SMS, e.g. "123456"' })
  @IsNotEmpty({ message: 'code is required: the digits from the SMS' })
  code!: string;
}
