import { readFileSync } from 'node:fs';
import * as api from 'nestjs-phone-call-auth';
import * as testing from 'nestjs-phone-call-auth/testing';
import { VerificationService } from 'nestjs-phone-call-auth';

/*
 * The package's public names. Changing this list is changing the public API: do it on purpose,
 * with the docs (every name below is described in docs/ and has JSDoc at its declaration).
 */
const VALUES = [
  'DatabaseConnectionError',
  'DatabaseUnavailableFilter',
  'GlobalBudgetIndicator',
  'PHONE_CALL_AUTH_DEFAULTS',
  'PHONE_CALL_AUTH_DEVELOPMENT_LIMITS',
  'PHONE_CALL_AUTH_ROUTE',
  'PHONE_CALL_AUTH_ENTITIES',
  'PHONE_CALL_AUTH_MESSAGES',
  'PHONE_CALL_AUTH_MIGRATIONS',
  'PHONE_CALL_JWT_STRATEGY',
  'PhoneCallAuth',
  'PhoneCallAuthCallbacks',
  'PhoneCallAuthConfigError',
  'PhoneCallAuthGuard',
  'PhoneCallAuthModule',
  'PlatformBalanceHealthIndicator',
  'PurgeService',
  'SameOriginGuard',
  'SameOriginOnly',
  'NewTelProvider',
  'NumberPoolExhaustedException',
  'SmsRuProvider',
  'SsmsProvider',
  'StatusPollerService',
  'TWILIO_FULL_ATTESTATION',
  'TwilioVoiceProvider',
  'TelephonyPlatformException',
  'TelephonyTimeoutException',
  'TokenService',
  'TooManyVerificationsException',
  'SmsPrefixBlockedException',
  'PhoneCallAuthFraudGuard',
  'VERIFICATION_SECRET_HEADER',
  'VerificationService',
  'VerifiedPhone',
  'deriveCallbackSecret',
  'fillTemplate',
  'isDatabaseConnectionError',
  'isPhoneCallAuthRoute',
  'maskPhone',
  'matchAcceptLanguage',
  'phoneCallAuthCallbackUrls',
  'phoneCallAuthLogFields',
  'PHONE_CALL_AUTH_INSTRUMENTATION',
  'PHONE_CALL_AUTH_ERROR_CODES',
  'PhoneCallAuthException',
  'PhoneCallAuthHookError',
  'PhoneCallAuthExceptionFilter',
  'RetryAfterFilter',
  'RetryLaterException',
  'InvalidRequestException',
  'RequestOriginRefusedException',
  'ClientAddressUnknownException',
  'PhoneRefusedException',
  'ChannelRefusedException',
  'VerificationClosedException',
  'VerificationRefusedException',
  'TokenRefusedException',
  'SubjectMismatchException',
  'InsufficientAuthenticationException',
  'PhoneCallAuthOps',
  'VerificationNotFoundException',
];

const TYPES = [
  'PhoneCallAuthLogFields',
  'AuthenticatedVerification',
  'CallAssignment',
  'CallHintInput',
  'CallRequest',
  'CallbackAnswer',
  'CallbackRequest',
  'ClientBudgetRule',
  'CodeCheckResult',
  'CodeDelivery',
  'CodeRequest',
  'ConsumeResult',
  'CookieSignIn',
  'E164',
  'GlobalBudgetMode',
  'GlobalBudgetRule',
  'GlobalBudgetStatus',
  'InboundCallOutcome',
  'InboundCallReport',
  'InboundCallRequest',
  'InboundCallResult',
  'IssuedToken',
  'PhoneCallAuthAsyncOptions',
  'PhoneCallAuthExtras',
  'PhoneCallAuthForRootOptions',
  'PhoneCallAuthJwtAlgorithm',
  'PhoneCallAuthJwtKey',
  'PhoneCallAuthJwtOptions',
  'PhoneCallAuthLocale',
  'PhoneCallAuthMessageOverrides',
  'PhoneCallAuthMessages',
  'PhoneCallAuthOptions',
  'PhoneCallAuthCallbackUrl',
  'PhoneCallAuthPhonePolicy',
  'PhoneCallAuthProviderCallback',
  'PhoneCallAuthPurgeOptions',
  'PhoneCallAuthRefreshTokenOptions',
  'PhoneCallAuthRouteGroup',
  'PhoneCallAuthRouting',
  'PhoneCallAuthStatusPollingOptions',
  'PhoneCallAuthSmsLimits',
  'PhoneCallAuthFraudGuardOptions',
  'SmsPrefixState',
  'PhoneCallAuthWaiterLimits',
  'PhoneCallAuthStartLimits',
  'PhoneCallAuthLimits',
  'PhoneCallAuthClientBudgets',
  'PhoneCallAuthAdmissionOptions',
  'PhoneCallAuthSmsOptions',
  'PhoneCallAuthTokenClaims',
  'PhoneCallSubject',
  'PlatformBalance',
  'PlatformBalanceHealth',
  'ProviderCapabilities',
  'ProviderWait',
  'PurgeResult',
  'RateLimitRule',
  'RedeemResult',
  'SsmsCallbackParams',
  'NewTelProviderOptions',
  'SmsRuProviderOptions',
  'SsmsProviderOptions',
  'StartContext',
  'StartedVerification',
  'StatusPollResult',
  'TwilioVoiceProviderOptions',
  'TelephonyProvider',
  'UnconsumedResult',
  'VerificationCandidate',
  'VerificationChannel',
  'VerificationFailReason',
  'VerificationStatus',
  'VerifiedEvent',
  'VerifiedPhoneIdentity',
  'OpsFunnelRow',
  'OpsPlatformRow',
  'OpsSummary',
  'OpsWindow',
  'PlatformAnswer',
  'SupportHistory',
  'SupportHistoryEntry',
  'PhoneCallAuthRefusalTally',
  'PhoneCallAuthErrorBody',
  'PhoneCallAuthErrorCode',
  'PhoneCallAuthErrorMessages',
  'PhoneCallAuthErrorText',
  'PhoneCallAuthHookName',
  'PhoneRefusal',
  'NumberChange',
  'PhoneCallAuthRouteOptions',
  'BoundRedeemResult',
  'SubjectMismatchResult',
  'BoundRedeemer',
];

/** The names a barrel exports as types only (`type X` in a list, or `export type { ... }`). */
function typeExports(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  const names: string[] = [];
  for (const [, kind, list] of text.matchAll(/export (type )?\{([^}]*)\}/g)) {
    for (const item of list
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean)) {
      const [name, alias] = item.replace(/^type /, '').split(/\s+as\s+/);
      if (kind || item.startsWith('type ')) names.push(alias ?? name);
    }
  }
  return names.sort();
}

describe('public API', () => {
  it('exports exactly the documented values', () => {
    expect(Object.keys(api).sort()).toEqual([...VALUES].sort());
  });

  it('exports exactly the documented types', () => {
    expect(typeExports('lib/index.ts')).toEqual([...TYPES].sort());
  });

  it("exports the fake platforms, test fixtures and the platforms' signing from /testing", () => {
    expect(Object.keys(testing).sort()).toEqual([
      'FakeNewTelPlatform',
      'FakeSmsRuPlatform',
      'FakeSsmsPlatform',
      'FakeTwilioPlatform',
      'endVerificationWindow',
      'findVerification',
      'newTelAuthorization',
      'smsRuWebhookHash',
      'twilioSignature',
    ]);
  });

  it("has VerificationService offer the lifecycle only (the platform's reports go through the module)", () => {
    expect(Object.getOwnPropertyNames(VerificationService.prototype).sort()).toEqual(
      ['authenticate', 'cancel', 'constructor', 'consume', 'redeem', 'redeemFor', 'start', 'verifyCode'].sort(),
    );
  });
});
