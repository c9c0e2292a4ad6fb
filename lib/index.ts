export { PhoneCallAuthModule } from './phone-call-auth.module';
export {
  ASYNC_OPTIONS_TYPE as PhoneCallAuthAsyncOptions,
  InjectPhoneCallAuthOptions,
  OPTIONS_TYPE as PhoneCallAuthModuleOptions,
  PHONE_CALL_AUTH_ENTITIES,
  PhoneCallAuthExtras,
} from './phone-call-auth.module-definition';
export {
  PhoneCallAuthConfigError,
  PhoneCallAuthJwtOptions,
  PhoneCallAuthOptions,
  PhoneCallSubject,
  ResolvedPhoneCallAuthOptions,
  VerifiedEvent,
} from './phone-call-auth.options';
export {
  PHONE_CALL_AUTH_DATA_SOURCE,
  PHONE_CALL_AUTH_OPTIONS,
  PHONE_CALL_JWT_STRATEGY,
  PHONE_CALL_VERIFICATION_STRATEGY,
} from './phone-call-auth.constants';
export { PHONE_CALL_AUTH_MIGRATIONS, PhoneCallAuthInit1764150000000 } from './migrations';
export { PhoneCallAuth, PhoneCallAuthGuard, VerificationSecretGuard, VerifiedPhone } from './auth/phone-call-auth.decorator';
export { IssuedToken, TokenService, VerifiedPhoneIdentity } from './auth/token.service';
export { VERIFICATION_SECRET_HEADER } from './auth/verification-secret.strategy';
export {
  AuthenticatedVerification,
  InboundCallResult,
  RedeemResult,
  StartContext,
  StartedVerification,
  VerificationService,
} from './verification/verification.service';
export { VerificationEntity, VerificationStatus } from './verification/verification.entity';
export { InboundCallEntity, InboundCallOutcome } from './verification/inbound-call.entity';
export {
  CallAssignment,
  CallRequest,
  InboundCallReport,
  InboundCallRequest,
  TelephonyProvider,
} from './providers/telephony-provider.interface';
export { TelephonyPlatformError, TelephonyTimeoutError } from './providers/telephony.errors';
export {
  SSMS_DEFAULT_CALLBACK_PARAMS,
  SsmsCallbackParams,
  SsmsProvider,
  SsmsProviderOptions,
} from './providers/ssms/ssms.provider';
export { E164, maskPhone } from './phone/phone-number';
