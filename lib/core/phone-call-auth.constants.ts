import { Inject } from '@nestjs/common';

/** Injection token of the validated options, whole; features inject their slice (`InjectPhoneCallAuthOptions(slice)`). */
export const PHONE_CALL_AUTH_OPTIONS = Symbol('PHONE_CALL_AUTH_OPTIONS');
/** Injection token of the TypeORM DataSource the module uses. */
export const PHONE_CALL_AUTH_DATA_SOURCE = Symbol('PHONE_CALL_AUTH_DATA_SOURCE');
/**
 * Injection token of the providers (`TelephonyProvider[]`, in order of preference): the slice of
 * the options that the balance indicator needs.
 */
export const PHONE_CALL_AUTH_PROVIDERS = Symbol('PHONE_CALL_AUTH_PROVIDERS');
/** The header that may carry the verification secret instead of the JSON body. */
export const VERIFICATION_SECRET_HEADER = 'x-verification-secret';
/** Name of the Passport strategy that checks `Authorization: Bearer <jwt>`. */
export const PHONE_CALL_JWT_STRATEGY = 'phone-call-jwt';
/** Longest `?wait=` of the token route, in seconds. */
export const MAX_WAIT_SECONDS = 30;

/** Injects the TypeORM DataSource the module uses. */
export const InjectPhoneCallAuthDataSource = (): ParameterDecorator & PropertyDecorator =>
  Inject(PHONE_CALL_AUTH_DATA_SOURCE);
/** Injection token: whether the token route group is mounted (the code route then answers the token). */
export const PHONE_CALL_AUTH_TOKEN_ROUTE = Symbol('PHONE_CALL_AUTH_TOKEN_ROUTE');

/** Where the module's routes are: its `routePrefix` and the route groups it mounts (`routes`). */
export interface PhoneCallAuthMountedRoutes {
  /** `routePrefix`, without leading or trailing slashes. */
  prefix: string;
  /** The names of the mounted route groups (`start`, `token`...). */
  groups: readonly string[];
}
/** Injection token of the {@link PhoneCallAuthMountedRoutes}. */
export const PHONE_CALL_AUTH_MOUNTED_ROUTES = Symbol('PHONE_CALL_AUTH_MOUNTED_ROUTES');
