import { PhoneCallAuth, PhoneCallAuthConfigError } from 'nestjs-phone-call-auth';

describe('@PhoneCallAuth({ maxAge })', () => {
  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('refuses maxAge %p when the route is declared', (maxAge) => {
    expect(() => PhoneCallAuth({ maxAge })).toThrow(PhoneCallAuthConfigError);
    expect(() => PhoneCallAuth({ maxAge })).toThrow(/maxAge.*whole number of seconds/);
  });

  it('takes 0 and whole seconds', () => {
    expect(typeof PhoneCallAuth({ maxAge: 0 })).toBe('function');
    expect(typeof PhoneCallAuth({ maxAge: 300 })).toBe('function');
  });
});
