import { ConsoleLogger, type LoggerService, type LogLevel } from '@nestjs/common';
import { phoneCallAuthLogFields } from 'nestjs-phone-call-auth';

/** What ConsoleLogger's JSON mode passes for one line. */
type JsonLineOptions = Parameters<ConsoleLogger['getJsonLogObject']>[1];

/**
 * Nest's ConsoleLogger in JSON mode (one object per line), with the module's request fields
 * (`requestId`, `verificationId`, `provider`) on the lines logged while it handles a request.
 */
export class SampleJsonLogger extends ConsoleLogger {
  protected override getJsonLogObject(message: unknown, options: JsonLineOptions) {
    return { ...super.getJsonLogObject(message, options), ...phoneCallAuthLogFields() };
  }
}

/** The app's logger: LOG_FORMAT=json gives {@link SampleJsonLogger}, else Nest's text lines at `logLevels`. */
export function sampleLogger(config: {
  logFormat: 'text' | 'json';
  logLevels: LogLevel[];
}): LoggerService | LogLevel[] {
  return config.logFormat === 'json'
    ? new SampleJsonLogger({ json: true, logLevels: config.logLevels })
    : config.logLevels;
}
