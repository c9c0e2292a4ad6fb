export { PhoneCallAuthModule } from './phone-call-auth.module.js';
export {
  type ASYNC_OPTIONS_TYPE as PhoneCallAuthAsyncOptions,
  type OPTIONS_TYPE as PhoneCallAuthForRootOptions,
  type PhoneCallAuthExtras,
  InjectPhoneCallAuthOptions,
  PHONE_CALL_AUTH_ENTITIES,
} from './phone-call-auth.module-definition.js';
export {
  type PhoneCallAuthJwtOptions,
  type PhoneCallAuthOptions,
  type PhoneCallAuthPhonePolicy,
  type PhoneCallAuthPurgeOptions,
  type PhoneCallAuthRateLimits,
  type PhoneCallSubject,
  type RateLimitRule,
  type ResolvedPhoneCallAuthOptions,
  type VerificationCandidate,
  type VerifiedEvent,
  PhoneCallAuthConfigError,
} from './phone-call-auth.options.js';
export { PHONE_CALL_JWT_STRATEGY, PHONE_CALL_VERIFICATION_STRATEGY } from './phone-call-auth.constants.js';
export {
  PHONE_CALL_AUTH_MIGRATIONS,
  PhoneCallAuthInit1764150000000,
  PhoneCallAuthRefreshTokens1764150000001,
} from './migrations/index.js';
export {
  PhoneCallAuth,
  PhoneCallAuthGuard,
  VerificationSecretGuard,
  VerifiedPhone,
} from './auth/phone-call-auth.decorator.js';
export {
  type IssuedToken,
  type VerifiedPhoneIdentity,
  ACCESS_TOKEN_TYPE,
  REFRESH_TOKEN_REFUSED_MESSAGE,
  TokenService,
} from './auth/token.service.js';
export type {
  PhoneCallAuthJwtAlgorithm,
  PhoneCallAuthJwtKey,
  PhoneCallAuthRefreshTokenOptions,
} from './auth/jwt.options.js';
export { REFRESH_TOKEN_TABLE, RefreshTokenEntity } from './auth/refresh-token.entity.js';
export { VERIFICATION_SECRET_HEADER } from './auth/verification-secret.strategy.js';
export {
  type AuthenticatedVerification,
  type InboundCallResult,
  type RedeemResult,
  type StartContext,
  type StartedVerification,
  VerificationService,
} from './verification/verification.service.js';
export { type PurgeResult, PurgeService } from './verification/purge.service.js';
export { VerificationWaiters } from './realtime/verification-waiters.service.js';
export { LISTENER_APPLICATION_NAME, MAX_WAIT_SECONDS, VERIFICATION_CHANNEL } from './realtime/realtime.constants.js';
export { DatabaseUnavailableFilter } from './database/database-unavailable.filter.js';
export { DatabaseConnectionError, isDatabaseConnectionError } from './database/connection-errors.js';
export { TooManyVerificationsException } from './rate-limit/too-many-verifications.exception.js';
export { RetryAfterFilter } from './rate-limit/retry-after.filter.js';
export { RateLimitEntity } from './rate-limit/rate-limit.entity.js';
export { type VerificationStatus, VerificationEntity } from './verification/verification.entity.js';
export { type InboundCallOutcome, InboundCallEntity } from './verification/inbound-call.entity.js';
export type {
  CallAssignment,
  CallRequest,
  InboundCallReport,
  InboundCallRequest,
  TelephonyProvider,
} from './providers/telephony-provider.interface.js';
export { TelephonyPlatformError, TelephonyTimeoutError } from './providers/telephony.errors.js';
export {
  type SsmsCallbackParams,
  type SsmsProviderOptions,
  SSMS_DEFAULT_CALLBACK_PARAMS,
  SsmsProvider,
} from './providers/ssms/ssms.provider.js';
export { type E164, maskPhone } from './phone/phone-number.js';
