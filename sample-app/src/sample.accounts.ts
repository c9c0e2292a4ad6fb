import type { E164, NumberChange, PhoneCallSubject } from 'nestjs-phone-call-auth';

/**
 * The sample's "users table", in memory: an account is named by the number it signed up with, and
 * keeps that name when its number changes. A real app keeps this in its database and refuses
 * (throws an HttpException from `onNumberChange`) a new number that another account holds.
 */
export class SampleAccounts {
  /** Number -> account, for the accounts whose number changed; every other number is its own account. */
  private readonly moved = new Map<E164, string>();

  /** `resolveSubject`: the account of a number. */
  subjectOf(phone: E164): PhoneCallSubject {
    return { sub: this.moved.get(phone) ?? phone };
  }

  /**
   * `onNumberChange`: moves the account to the new number, and asks the module for a token for it.
   * The old number is retired, not freed: whoever holds it next (a lost or recycled SIM) signs in to
   * an account of their own, never to the moved one.
   */
  move(change: NumberChange): boolean {
    this.moved.set(change.previousPhone, `retired:${change.verificationId}`);
    this.moved.set(change.phone, change.sub);
    return true;
  }
}
