/** A configuration mistake, found at startup. The message says how to fix it. */
export class PhoneCallAuthConfigError extends Error {
  constructor(message: string) {
    super(`PhoneCallAuthModule: ${message}`);
    this.name = 'PhoneCallAuthConfigError';
  }
}
