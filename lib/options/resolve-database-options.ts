import { PhoneCallAuthConfigError } from '../core/phone-call-auth-config.error.js';
import type { PhoneCallAuthOptions } from './phone-call-auth-options.interface.js';
import { PHONE_CALL_AUTH_DEFAULTS as DEFAULTS } from './phone-call-auth.defaults.js';
import type { ResolvedDatabaseOptions } from './resolved-options.interface.js';

/**
 * The options about the connections to Postgres, checked: `preparedStatements` (`true`, `false`
 * or `'auto'`) and `listenUrl` (a `postgres://` or `postgresql://` URL).
 *
 * @example
 * resolveDatabaseOptions({ listenUrl: 'postgres://app@db:5432/app' }) // { preparedStatements: 'auto', listenUrl: '...' }
 */
export function resolveDatabaseOptions(
  options: Pick<PhoneCallAuthOptions, 'preparedStatements' | 'listenUrl'>,
): Pick<ResolvedDatabaseOptions, 'preparedStatements' | 'listenUrl'> {
  return {
    preparedStatements: preparedStatements(options.preparedStatements),
    ...(options.listenUrl !== undefined && { listenUrl: listenUrl(options.listenUrl) }),
  };
}

function preparedStatements(value: unknown): boolean | 'auto' {
  if (value === undefined) return DEFAULTS.preparedStatements;
  if (value !== true && value !== false && value !== 'auto') {
    throw new PhoneCallAuthConfigError(
      `preparedStatements must be true, false or 'auto', got ${JSON.stringify(value)}.`,
    );
  }
  return value;
}

function listenUrl(value: unknown): string {
  let url: URL | undefined;
  try {
    url = typeof value === 'string' ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || !['postgres:', 'postgresql:'].includes(url.protocol)) {
    // The value may hold a password: name its type only.
    throw new PhoneCallAuthConfigError(
      `listenUrl must be a postgres:// URL straight to Postgres (not through a transaction pooler), e.g. ` +
        `'postgres://user:password@db.internal:5432/app'; got ${typeof value === 'string' ? 'a string that is not one' : typeof value}.`,
    );
  }
  return value as string;
}
