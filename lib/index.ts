/*
 * The public API of nestjs-phone-call-auth. Every name here is documented and meant for apps;
 * anything else under lib/ is internal and may change. test/unit/public-api.spec.ts lists these
 * names, so a change is deliberate. The fake platforms are in `nestjs-phone-call-auth/testing`.
 */

// The module and its options
export { PhoneCallAuthModule } from './phone-call-auth.module.js';
export {
  type ASYNC_OPTIONS_TYPE as PhoneCallAuthAsyncOptions,
  type OPTIONS_TYPE as PhoneCallAuthForRootOptions,
  type PhoneCallAuthExtras,
} from './phone-call-auth.module-definition.js';
export type {
  NumberChange,
  PhoneCallAuthOptions,
  PhoneCallAuthPhonePolicy,
  PhoneCallAuthProviderCallback,
  PhoneCallAuthPurgeOptions,
  PhoneCallAuthRouting,
  PhoneCallAuthStatusPollingOptions,
  PhoneCallAuthSmsOptions,
  PhoneCallSubject,
  VerificationCandidate,
  VerifiedEvent,
} from './options/phone-call-auth-options.interface.js';
export type {
  PhoneCallAuthJwtAlgorithm,
  PhoneCallAuthJwtKey,
  PhoneCallAuthJwtOptions,
  PhoneCallAuthRefreshTokenOptions,
} from './options/jwt.options.js';
export type {
  ClientBudgetRule,
  GlobalBudgetMode,
  GlobalBudgetRule,
  PhoneCallAuthAdmissionOptions,
  PhoneCallAuthClientBudgets,
  PhoneCallAuthFraudGuardOptions,
  PhoneCallAuthLimits,
  PhoneCallAuthRefusalTally,
  PhoneCallAuthSmsLimits,
  PhoneCallAuthStartLimits,
  PhoneCallAuthWaiterLimits,
  RateLimitRule,
} from './options/limits.options.js';
export { PHONE_CALL_AUTH_DEFAULTS } from './options/phone-call-auth.defaults.js';
export { PHONE_CALL_AUTH_DEVELOPMENT_LIMITS } from './options/phone-call-auth.presets.js';
export { PhoneCallAuthConfigError } from './core/phone-call-auth-config.error.js';
export { deriveCallbackSecret } from './options/resolve-callbacks.js';
export {
  PhoneCallAuthCallbacks,
  type PhoneCallAuthCallbackUrl,
  phoneCallAuthCallbackUrls,
} from './callback/callback-urls.js';

// Languages and texts
export {
  fillTemplate,
  PHONE_CALL_AUTH_MESSAGES,
  type PhoneCallAuthLocale,
  type PhoneCallAuthMessageOverrides,
  type PhoneCallAuthMessages,
} from './i18n/messages.js';
export { matchAcceptLanguage } from './i18n/accept-language.js';
export type { PhoneCallAuthErrorMessages } from './i18n/error-messages.js';

// Errors: every error answer carries a stable `code`
export { PHONE_CALL_AUTH_ERROR_CODES, type PhoneCallAuthErrorCode } from './core/error-codes.js';
export {
  type PhoneCallAuthErrorBody,
  type PhoneCallAuthErrorText,
  PhoneCallAuthException,
} from './core/phone-call-auth.exception.js';
export { PhoneCallAuthHookError, type PhoneCallAuthHookName } from './core/phone-call-auth-hook.error.js';
export { PhoneCallAuthExceptionFilter } from './http/phone-call-auth-exception.filter.js';
export { RetryAfterFilter } from './http/retry-after.filter.js';
export { RetryLaterException } from './http/retry-later.exception.js';
export { InvalidRequestException } from './http/invalid-request.exception.js';
export { RequestOriginRefusedException } from './http/request-origin-refused.exception.js';
export { ClientAddressUnknownException } from './http/client-address-unknown.exception.js';
export { type PhoneRefusal, PhoneRefusedException } from './verification/phone-refused.exception.js';
export { ChannelRefusedException } from './verification/channel-refused.exception.js';
export {
  SubjectMismatchException,
  VerificationClosedException,
  VerificationRefusedException,
} from './verification/verification-refused.exception.js';
export { InsufficientAuthenticationException } from './auth/insufficient-authentication.exception.js';
export { TokenRefusedException } from './auth/token-refused.exception.js';
export { TooManyVerificationsException } from './rate-limit/too-many-verifications.exception.js';
export { SmsPrefixBlockedException } from './rate-limit/sms-prefix-blocked.exception.js';

// The host's data source
export { PHONE_CALL_AUTH_ENTITIES } from './database/phone-call-auth.entities.js';
export { PHONE_CALL_AUTH_MIGRATIONS } from './database/migrations/index.js';
export { DatabaseConnectionError, isDatabaseConnectionError } from './database/connection-errors.js';
export { DatabaseUnavailableFilter } from './database/database-unavailable.filter.js';
export { type PurgeResult, PurgeService } from './database/purge.service.js';

// Guarding the app's routes
export {
  PhoneCallAuth,
  PhoneCallAuthGuard,
  type PhoneCallAuthRouteOptions,
  VerifiedPhone,
} from './auth/phone-call-auth.decorator.js';
export { PHONE_CALL_JWT_STRATEGY } from './core/phone-call-auth.constants.js';
export {
  isPhoneCallAuthRoute,
  PHONE_CALL_AUTH_ROUTE,
  type PhoneCallAuthRouteGroup,
} from './routes/phone-call-auth.routes.js';
export {
  type IssuedToken,
  type PhoneCallAuthTokenClaims,
  type VerifiedPhoneIdentity,
  TokenService,
} from './auth/token.service.js';
export type { CookieSignIn } from './auth/token-cookie.service.js';
export { SameOriginGuard, SameOriginOnly } from './http/same-origin.guard.js';

// The verification lifecycle, for apps that drive it from their own code
export type {
  AuthenticatedVerification,
  BoundRedeemResult,
  CodeCheckResult,
  ConsumeResult,
  InboundCallResult,
  RedeemResult,
  StartContext,
  StartedVerification,
  SubjectMismatchResult,
  UnconsumedResult,
} from './verification/verification.types.js';
export type { BoundRedeemer } from './verification/bound-redeem.service.js';
export { VerificationService } from './verification/verification.service.js';
export { VERIFICATION_SECRET_HEADER } from './core/phone-call-auth.constants.js';
export type {
  InboundCallOutcome,
  VerificationChannel,
  VerificationFailReason,
  VerificationStatus,
} from './core/verification-state.js';
export { GlobalBudgetIndicator } from './rate-limit/global-budget.indicator.js';
export type { GlobalBudgetStatus } from './rate-limit/rate-limit.service.js';
export { PhoneCallAuthFraudGuard } from './rate-limit/fraud-guard.service.js';
export type { SmsPrefixState } from './rate-limit/rate-limit.store.js';

// Telephony platforms
export type {
  CallAssignment,
  CallbackAnswer,
  CallbackRequest,
  CallHintInput,
  CallRequest,
  CodeDelivery,
  CodeRequest,
  InboundCallReport,
  InboundCallRequest,
  ProviderCapabilities,
  ProviderWait,
  TelephonyProvider,
} from './providers/telephony-provider.interface.js';
export {
  NumberPoolExhaustedException,
  TelephonyPlatformException,
  TelephonyTimeoutException,
} from './providers/telephony.exceptions.js';
export { type SsmsCallbackParams, type SsmsProviderOptions, SsmsProvider } from './providers/ssms/ssms.provider.js';
export { type SmsRuProviderOptions, SmsRuProvider } from './providers/sms-ru/sms-ru.provider.js';
export { type NewTelProviderOptions, NewTelProvider } from './providers/new-tel/new-tel.provider.js';
export {
  TWILIO_FULL_ATTESTATION,
  type TwilioVoiceProviderOptions,
  TwilioVoiceProvider,
} from './providers/twilio/twilio-voice.provider.js';
export { type StatusPollResult, StatusPollerService } from './verification/status-poller.service.js';
export {
  type PlatformBalance,
  type PlatformBalanceHealth,
  PlatformBalanceHealthIndicator,
} from './providers/platform-balance.indicator.js';

// Telemetry: metrics and spans through @opentelemetry/api (docs/operations.md), log fields per request
export { PHONE_CALL_AUTH_INSTRUMENTATION } from './telemetry/phone-call-auth.telemetry.js';
export { type PhoneCallAuthLogFields, phoneCallAuthLogFields } from './telemetry/request-context.js';
// For operators: the dashboard's numbers and the support history
export { PhoneCallAuthOps } from './ops/phone-call-auth-ops.service.js';
export { VerificationNotFoundException } from './ops/verification-not-found.exception.js';
export type {
  OpsFunnelRow,
  OpsPlatformRow,
  OpsSummary,
  OpsWindow,
  PlatformAnswer,
  SupportHistory,
  SupportHistoryEntry,
} from './ops/ops.types.js';

// Phone numbers
export { type E164, maskPhone } from './phone/phone-number.js';
