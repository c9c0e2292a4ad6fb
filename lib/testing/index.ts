export {
  type FakeApiRequest,
  type FakeCall,
  type FakeSsmsPlatformOptions,
  type FakeWait,
  FakeSsmsPlatform,
} from './fake-ssms-platform.js';
