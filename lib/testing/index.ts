export {
  type FakeApiRequest,
  type FakeCall,
  type FakeSms,
  type FakeSsmsPlatformOptions,
  type FakeWait,
  FakeSsmsPlatform,
} from './fake-ssms-platform.js';
export { endVerificationWindow, findVerification, type VerificationFixture } from './verification-fixtures.js';
export { type FakePlatformRequest } from './fake-http.js';
export {
  type FakeSmsRuCall,
  type FakeSmsRuCheck,
  type FakeSmsRuPlatformOptions,
  FakeSmsRuPlatform,
} from './fake-sms-ru-platform.js';
export {
  type FakeNewTelCall,
  type FakeNewTelPlatformOptions,
  type FakeNewTelWait,
  FakeNewTelPlatform,
} from './fake-new-tel-platform.js';
export {
  type FakeTwilioCall,
  type FakeTwilioPlatformOptions,
  type FakeTwilioWebhook,
  FakeTwilioPlatform,
} from './fake-twilio-platform.js';
// The platforms' signing, for tests that forge a callback by hand.
export { newTelAuthorization } from '../providers/new-tel/new-tel.signature.js';
export { smsRuWebhookHash } from '../providers/sms-ru/sms-ru.hash.js';
export { twilioSignature } from '../providers/twilio/twilio.signature.js';
