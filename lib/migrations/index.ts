import { PhoneCallAuthInit1764150000000 } from './1764150000000-phone-call-auth-init.js';

/** The module's migrations, for the host's data source (`migrations: [...PHONE_CALL_AUTH_MIGRATIONS]`). */
export const PHONE_CALL_AUTH_MIGRATIONS = [PhoneCallAuthInit1764150000000];

export { PhoneCallAuthInit1764150000000 };
