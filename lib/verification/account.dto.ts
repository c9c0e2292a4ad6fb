import { IsIn, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { OpenApiProperty } from '../openapi/openapi.decorators.js';

/** Body of `POST /account/verifications`: a signed-in person proves their number again, or a new one. */
export class AccountVerificationDto {
  /** The number to prove: omitted, the one the access token names (a step-up); another, a change of number. */
  @OpenApiProperty({
    type: 'string',
    maxLength: 64,
    required: false,
    description:
      "The number to prove. Omitted: the access token's own (a step-up: a fresh proof before a sensitive action). " +
      'Another number: a change of number.',
    example: '+7 903 555-01-02',
  })
  @MaxLength(64, { message: 'phone must be at most 64 characters' })
  @IsString({ message: 'phone must be a string, e.g. "+7 967 031-11-22"' })
  @IsNotEmpty({ message: 'phone must not be empty: leave it out to prove the number of the access token' })
  @IsOptional()
  phone?: string;

  /** As for `POST /verifications`. */
  @OpenApiProperty({
    type: 'string',
    enum: ['call', 'sms', 'call_or_sms'],
    required: false,
    description: "How the number is proven, as for `POST /verifications`. @default the app's `defaultChannel`",
  })
  @IsIn(['call', 'sms', 'call_or_sms'], { message: 'channel must be one of call, sms, call_or_sms' })
  @IsOptional()
  channel?: 'call' | 'sms' | 'call_or_sms';

  /** As for `POST /verifications`. */
  @OpenApiProperty({
    type: 'string',
    enum: ['ru', 'en'],
    required: false,
    description: 'The language of `message` and the SMS, as for `POST /verifications`.',
  })
  @IsIn(['ru', 'en'], { message: 'locale must be ru or en' })
  @IsOptional()
  locale?: 'ru' | 'en';
}
