import { Inject, type Provider } from '@nestjs/common';
import { PHONE_CALL_AUTH_OPTIONS } from '../core/phone-call-auth.constants.js';
import type { ResolvedPhoneCallAuthOptions } from './resolved-options.interface.js';

/** A slice of the resolved options: what one feature reads. */
export type PhoneCallAuthOptionSlice = keyof ResolvedPhoneCallAuthOptions;

/**
 * One injection token per slice, as `@nestjs/jwt` injects its own options and nothing more: a
 * feature sees only the settings it reads, and a unit test builds only those.
 */
export const PHONE_CALL_AUTH_OPTION_SLICES: Readonly<Record<PhoneCallAuthOptionSlice, symbol>> = {
  platforms: Symbol('PHONE_CALL_AUTH_PLATFORMS'),
  verification: Symbol('PHONE_CALL_AUTH_VERIFICATION'),
  hooks: Symbol('PHONE_CALL_AUTH_HOOKS'),
  texts: Symbol('PHONE_CALL_AUTH_TEXTS'),
  http: Symbol('PHONE_CALL_AUTH_HTTP'),
  limits: Symbol('PHONE_CALL_AUTH_LIMITS'),
  jwt: Symbol('PHONE_CALL_AUTH_JWT'),
  database: Symbol('PHONE_CALL_AUTH_DATABASE'),
};

/**
 * Injects one slice of the validated options.
 *
 * @example
 * constructor(@InjectPhoneCallAuthOptions('limits') private readonly limits: ResolvedLimits) {}
 */
export const InjectPhoneCallAuthOptions = (slice: PhoneCallAuthOptionSlice): ParameterDecorator & PropertyDecorator =>
  Inject(PHONE_CALL_AUTH_OPTION_SLICES[slice]);

/** A provider per slice, each read from the options resolved once (`PHONE_CALL_AUTH_OPTIONS`). */
export const optionSliceProviders = (): Provider[] =>
  Object.entries(PHONE_CALL_AUTH_OPTION_SLICES).map(([slice, token]) => ({
    provide: token,
    inject: [PHONE_CALL_AUTH_OPTIONS],
    useFactory: (options: ResolvedPhoneCallAuthOptions) => options[slice as PhoneCallAuthOptionSlice],
  }));
