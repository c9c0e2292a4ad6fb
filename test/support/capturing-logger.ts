import type { LoggerService } from '@nestjs/common';

/** Keeps every line an app logs, at every level, as one string each (pass it as the app's `logger`). */
export class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  private keep = (...parts: unknown[]) => {
    this.lines.push(parts.map((part) => (typeof part === 'string' ? part : JSON.stringify(part))).join(' '));
  };
  log = this.keep;
  error = this.keep;
  warn = this.keep;
  debug = this.keep;
  verbose = this.keep;
  fatal = this.keep;

  /** Every line so far, as one text. */
  get text(): string {
    return this.lines.join('\n');
  }
}
