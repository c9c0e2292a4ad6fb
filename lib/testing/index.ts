export { FakeApiRequest, FakeCall, FakeSsmsPlatform, FakeSsmsPlatformOptions, FakeWait } from './fake-ssms-platform';
