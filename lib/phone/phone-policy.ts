import type { CountryCode, PhoneNumber, PhoneNumberType } from 'libphonenumber-js/max';

/** Which numbers may be verified (the resolved `phonePolicy` option). */
export interface PhonePolicy {
  /** The accepted number types; `undefined` accepts any type, an unknown one included. */
  numberTypes?: readonly PhoneNumberType[];
  /** Accept numbers of the global services that belong to no country (+800, +870, +881, +882...). */
  nonGeographic: boolean;
  mobileOnly: boolean;
  countries?: readonly CountryCode[];
}

/**
 * Why a policy refuses a number, for the 400 that says which numbers are accepted (written in the
 * reader's language by the caller): no country (`nonGeographic`); a type outside `numberTypes`
 * (`type`, absent when it cannot be told); not a mobile number (`mobileOnly`); a country outside
 * `countries`. Number types are libphonenumber's, `FIXED_LINE_OR_MOBILE` read as both.
 */
export type PhonePolicyRefusal =
  | { reason: 'nonGeographic' }
  | { reason: 'numberType'; accepted: PhoneNumberType[]; type?: PhoneNumberType[] }
  | { reason: 'mobileOnly' }
  | { reason: 'country'; countries: readonly CountryCode[] };

/** The types, `FIXED_LINE_OR_MOBILE` as `MOBILE` and `FIXED_LINE`, each once. */
function typeWords(types: readonly PhoneNumberType[]): PhoneNumberType[] {
  return [
    ...new Set(
      types.flatMap((type): PhoneNumberType[] => (type === 'FIXED_LINE_OR_MOBILE' ? ['MOBILE', 'FIXED_LINE'] : [type])),
    ),
  ];
}

/**
 * Why `policy` refuses a valid number ({@link PhonePolicyRefusal}), or `undefined` when it accepts it.
 *
 * Numbers of the global services (UIFN +800, satellite +870/+881, networks +882/+883, premium +979)
 * belong to no country, and libphonenumber gives some of them an ordinary type (an Iridium
 * number is MOBILE), so they are refused by their lack of a country unless `nonGeographic` is on.
 */
export function phonePolicyRefusal(phone: PhoneNumber, policy: PhonePolicy): PhonePolicyRefusal | undefined {
  const { numberTypes, nonGeographic, mobileOnly, countries } = policy;
  if (!phone.country && !nonGeographic) return { reason: 'nonGeographic' };
  const type = phone.getType();
  if (numberTypes && !(type && numberTypes.includes(type))) {
    return { reason: 'numberType', accepted: typeWords(numberTypes), ...(type && { type: typeWords([type]) }) };
  }
  if (mobileOnly && !(type === 'MOBILE' || type === 'FIXED_LINE_OR_MOBILE')) return { reason: 'mobileOnly' };
  if (countries && (!phone.country || !countries.includes(phone.country))) return { reason: 'country', countries };
  return undefined;
}
