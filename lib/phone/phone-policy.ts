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

/** How a number type reads in a message. */
const TYPE_WORDS: Record<PhoneNumberType, string> = {
  MOBILE: 'mobile',
  FIXED_LINE: 'landline',
  FIXED_LINE_OR_MOBILE: 'mobile or landline',
  PREMIUM_RATE: 'premium-rate',
  TOLL_FREE: 'toll-free',
  SHARED_COST: 'shared-cost',
  VOIP: 'VoIP',
  PERSONAL_NUMBER: 'personal',
  PAGER: 'pager',
  UAN: 'UAN',
  VOICEMAIL: 'voicemail',
};

/** The accepted types in words: `mobile or landline`, `mobile, landline or VoIP`. */
function acceptedWords(types: readonly PhoneNumberType[]): string {
  const words = [...new Set(types.flatMap((type) => TYPE_WORDS[type].split(' or ')))];
  return words.length === 1 ? words[0] : `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`;
}

/**
 * Why `policy` refuses a valid number, as the message of a 400 (it says which numbers are
 * accepted), or `undefined` when it accepts it.
 *
 * Numbers of the global services (UIFN +800, satellite +870/+881, networks +882/+883, premium +979)
 * belong to no country, and libphonenumber gives some of them an ordinary type (an Iridium
 * number is MOBILE), so they are refused by their lack of a country unless `nonGeographic` is on.
 */
export function phonePolicyRefusal(phone: PhoneNumber, policy: PhonePolicy): string | undefined {
  const { numberTypes, nonGeographic, mobileOnly, countries } = policy;
  if (!phone.country && !nonGeographic) {
    return 'phone must be the number of a phone in a country: international service numbers (+800, +808, +870, +881, +882, +883, +979 and the like) cannot be verified here.';
  }
  const type = phone.getType();
  if (numberTypes && !(type && numberTypes.includes(type))) {
    const what = type ? `a ${TYPE_WORDS[type]} number` : 'a number of a kind that cannot be told';
    return `phone must be a ${acceptedWords(numberTypes)} number; this one is ${what}, which cannot be verified here.`;
  }
  if (mobileOnly && !(type === 'MOBILE' || type === 'FIXED_LINE_OR_MOBILE')) {
    return 'phone must be a mobile number: only mobile numbers can be verified here.';
  }
  if (countries && (!phone.country || !countries.includes(phone.country))) {
    return `phone must be a number of ${countries.join(', ')}.`;
  }
  return undefined;
}
