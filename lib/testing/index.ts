export {
  type FakeApiRequest,
  type FakeCall,
  type FakeSms,
  type FakeSsmsPlatformOptions,
  type FakeWait,
  FakeSsmsPlatform,
} from './fake-ssms-platform.js';
export { endVerificationWindow, findVerification, type VerificationFixture } from './verification-fixtures.js';
