import { Logger } from '@nestjs/common';
import { FakeSsmsPlatform } from 'nestjs-phone-call-auth/testing';

/*
 * The platform the start step talks to: the module's fake SSMS platform, as its own process, so
 * its work does not land on the server being measured. It answers `wait_call` at once. Its log
 * line per wait and its lists of every request and wait (kept for tests) are not wanted here: the
 * log is limited to warnings, and the lists are emptied every second so a long run does not grow.
 */
Logger.overrideLogger(['error', 'warn']);
const platform = await FakeSsmsPlatform.start();
setInterval(() => {
  platform.requests.length = 0;
  platform.waits.length = 0;
  platform.messages.length = 0;
}, 1000).unref();
process.send?.({ url: platform.url, apiKey: platform.apiKey });

const stop = () => void platform.close().finally(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
// The benchmark died without stopping this process.
process.once('disconnect', stop);
