import { getExampleNumber } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/mobile/examples';
import { PHONE_CALL_AUTH_DEFAULTS } from '../options/phone-call-auth.defaults.js';
import { errorMessage } from '../i18n/error-text.js';
import { PhoneRefusedException } from '../verification/phone-refused.exception.js';
import { parsePhone } from './phone-number.js';
import { type PhonePolicy, phonePolicyRefusal as refusalOf } from './phone-policy.js';

/** The refusal as a start answers it in English (its message), or undefined. */
function phonePolicyRefusal(...args: Parameters<typeof refusalOf>): string | undefined {
  const refusal = refusalOf(...args);
  return refusal && new PhoneRefusedException(refusal).message;
}

/** The default policy, as option resolution builds it. */
const DEFAULT: PhonePolicy = {
  numberTypes: PHONE_CALL_AUTH_DEFAULTS.phonePolicy.numberTypes,
  nonGeographic: PHONE_CALL_AUTH_DEFAULTS.phonePolicy.nonGeographic,
  mobileOnly: PHONE_CALL_AUTH_DEFAULTS.phonePolicy.mobileOnly,
};

/** A valid number, or the test fails here (so no example below is refused only for being invalid). */
function valid(input: string) {
  const phone = parsePhone(input, 'RU');
  if (!phone) throw new Error(`${input} is not a valid number: pick another example`);
  return phone;
}

describe('the default phone policy', () => {
  // Each example's type (or its lack of a country) is asserted too, so the refusal is for the right reason.
  it.each([
    ['+7 809 505 1234', 'PREMIUM_RATE', 'RU'],
    ['+7 803 123 4567', 'PREMIUM_RATE', 'RU'],
    ['+44 909 879 0879', 'PREMIUM_RATE', 'GB'],
    ['+1 900 200 1234', 'PREMIUM_RATE', 'US'],
    ['+7 800 555 3535', 'TOLL_FREE', 'RU'],
    ['+1 800 253 0000', 'TOLL_FREE', 'US'],
    ['+44 56 1234 5678', 'VOIP', 'GB'],
    ['+44 70 1234 5678', 'PERSONAL_NUMBER', 'GB'],
    // The global services: no country, whatever type libphonenumber gives them.
    ['+979 123456789', 'PREMIUM_RATE', undefined], // international premium rate
    ['+800 1234 5678', 'TOLL_FREE', undefined], // UIFN
    ['+808 1234 5678', 'SHARED_COST', undefined], // international shared cost
    ['+881 6 1234 5678', 'MOBILE', undefined], // Iridium (satellite, +8816)
    ['+870 773 111 632', 'MOBILE', undefined], // Inmarsat (satellite)
    ['+882 342 1234', 'MOBILE', undefined], // international networks
    ['+883 140 000 000', 'VOIP', undefined], // international networks
  ])('refuses %s (%s, country %s) with a message naming what is accepted', (input, type, country) => {
    const phone = valid(input);
    expect({ type: phone.getType(), country: phone.country }).toEqual({ type, country });
    const refusal = phonePolicyRefusal(phone, DEFAULT);
    expect(refusal).toMatch(/^phone must be /);
    expect(refusal).toMatch(country ? /mobile or landline number/ : /number of a phone in a country/);
  });

  it.each([
    ['+7 967 031-11-22', 'MOBILE'],
    ['+7 499 399 00 01', 'FIXED_LINE'],
    ['+1 213 373 4253', 'FIXED_LINE_OR_MOBILE'],
    ['+44 7400 123456', 'MOBILE'],
    ['+44 20 7946 0018', 'FIXED_LINE'],
  ])('accepts %s (%s)', (input, type) => {
    const phone = valid(input);
    expect(phone.getType()).toBe(type);
    expect(phonePolicyRefusal(phone, DEFAULT)).toBeUndefined();
  });

  it("accepts every country's example mobile number", () => {
    const refused = Object.keys(examples)
      .map((country) => getExampleNumber(country as never, examples))
      .filter((phone) => phone && phonePolicyRefusal(phone, DEFAULT) !== undefined)
      .map((phone) => `${phone!.number} (${phone!.getType()})`);
    expect(refused).toEqual([]);
  });

  it('says what a refused number is', () => {
    expect(phonePolicyRefusal(valid('+7 800 555 3535'), DEFAULT)).toBe(
      'phone must be a mobile or landline number; this one is a toll-free number, which cannot be verified here.',
    );
  });
});

describe('widening and narrowing the policy', () => {
  it("numberTypes 'any' (undefined) accepts a toll-free number of a country, not a global one", () => {
    const any = { ...DEFAULT, numberTypes: undefined };
    expect(phonePolicyRefusal(valid('+7 800 555 3535'), any)).toBeUndefined();
    expect(phonePolicyRefusal(valid('+800 1234 5678'), any)).toMatch(/in a country/);
  });

  it('nonGeographic accepts a satellite number, still subject to numberTypes', () => {
    const satellite = { ...DEFAULT, nonGeographic: true };
    expect(phonePolicyRefusal(valid('+881 6 1234 5678'), satellite)).toBeUndefined();
    expect(phonePolicyRefusal(valid('+800 1234 5678'), satellite)).toMatch(/toll-free/);
  });

  it('an added type is named in the message', () => {
    const voip = { ...DEFAULT, numberTypes: [...DEFAULT.numberTypes!, 'VOIP' as const] };
    expect(phonePolicyRefusal(valid('+44 56 1234 5678'), voip)).toBeUndefined();
    expect(phonePolicyRefusal(valid('+7 800 555 3535'), voip)).toMatch(
      /^phone must be a mobile, landline or VoIP number/,
    );
  });

  it('mobileOnly refuses a landline the default accepts', () => {
    expect(phonePolicyRefusal(valid('+7 499 399 00 01'), { ...DEFAULT, mobileOnly: true })).toMatch(/mobile number/);
  });

  it('countries refuses numbers of other countries', () => {
    expect(phonePolicyRefusal(valid('+44 7400 123456'), { ...DEFAULT, countries: ['RU', 'KZ'] })).toBe(
      'phone must be a number of RU, KZ.',
    );
  });
});

describe('a refusal, for machines and in each language', () => {
  it('names the reason and the types, FIXED_LINE_OR_MOBILE read as both', () => {
    expect(refusalOf(valid('+7 800 555 3535'), DEFAULT)).toEqual({
      reason: 'numberType',
      accepted: ['MOBILE', 'FIXED_LINE'],
      type: ['TOLL_FREE'],
    });
    expect(refusalOf(valid('+44 7400 123456'), { ...DEFAULT, countries: ['RU'] })).toEqual({
      reason: 'country',
      countries: ['RU'],
    });
  });

  it('has a code per kind of refusal and a message in Russian too', () => {
    const refused = new PhoneRefusedException(refusalOf(valid('+7 800 555 3535'), DEFAULT)!);
    expect(refused.code).toBe('NUMBER_TYPE_REFUSED');
    expect(errorMessage(refused.text!, { locale: 'ru' })).toBe(
      'Здесь можно подтвердить только такие номера: мобильный или городской; этот номер — бесплатный для звонящего.',
    );
    const country = new PhoneRefusedException(refusalOf(valid('+44 7400 123456'), { ...DEFAULT, countries: ['RU'] })!);
    expect(country.code).toBe('COUNTRY_REFUSED');
    expect(new PhoneRefusedException({ reason: 'invalid', defaultCountry: 'RU' }).code).toBe('INVALID_PHONE');
  });
});
