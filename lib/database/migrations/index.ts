import { PhoneCallAuthInit1764150000000 } from './1764150000000-phone-call-auth-init.js';
import { PhoneCallAuthRefreshTokens1764150000001 } from './1764150000001-phone-call-auth-refresh-tokens.js';
import { PhoneCallAuthSmsCodes1764150000002 } from './1764150000002-phone-call-auth-sms-codes.js';
import { PhoneCallAuthPollLease1764150000003 } from './1764150000003-phone-call-auth-poll-lease.js';
import { PhoneCallAuthCallSeen1764150000004 } from './1764150000004-phone-call-auth-call-seen.js';
import { PhoneCallAuthRefreshLineage1764150000005 } from './1764150000005-phone-call-auth-refresh-lineage.js';
import { PhoneCallAuthEvents1764150000006 } from './1764150000006-phone-call-auth-events.js';
import { PhoneCallAuthSmsPrefixes1764150000007 } from './1764150000007-phone-call-auth-sms-prefixes.js';
import { PhoneCallAuthSubject1764150000008 } from './1764150000008-phone-call-auth-subject.js';

/** The module's migrations, for the host's data source (`migrations: [...PHONE_CALL_AUTH_MIGRATIONS]`). */
export const PHONE_CALL_AUTH_MIGRATIONS = [
  PhoneCallAuthInit1764150000000,
  PhoneCallAuthRefreshTokens1764150000001,
  PhoneCallAuthSmsCodes1764150000002,
  PhoneCallAuthPollLease1764150000003,
  PhoneCallAuthCallSeen1764150000004,
  PhoneCallAuthRefreshLineage1764150000005,
  PhoneCallAuthEvents1764150000006,
  PhoneCallAuthSmsPrefixes1764150000007,
  PhoneCallAuthSubject1764150000008,
];

export {
  PhoneCallAuthCallSeen1764150000004,
  PhoneCallAuthEvents1764150000006,
  PhoneCallAuthInit1764150000000,
  PhoneCallAuthPollLease1764150000003,
  PhoneCallAuthRefreshLineage1764150000005,
  PhoneCallAuthRefreshTokens1764150000001,
  PhoneCallAuthSmsCodes1764150000002,
  PhoneCallAuthSmsPrefixes1764150000007,
  PhoneCallAuthSubject1764150000008,
};
