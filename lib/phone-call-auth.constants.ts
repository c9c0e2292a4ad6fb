/** Injection token of the validated options ({@link ResolvedPhoneCallAuthOptions}). */
export const PHONE_CALL_AUTH_OPTIONS = Symbol('PHONE_CALL_AUTH_OPTIONS');
/** Injection token of the TypeORM DataSource the module uses. */
export const PHONE_CALL_AUTH_DATA_SOURCE = Symbol('PHONE_CALL_AUTH_DATA_SOURCE');
/** Name of the Passport strategy that checks `Authorization: Bearer <jwt>`. */
export const PHONE_CALL_JWT_STRATEGY = 'phone-call-jwt';
/** Name of the Passport strategy that checks a verification's id and secret. */
export const PHONE_CALL_VERIFICATION_STRATEGY = 'phone-call-verification';
