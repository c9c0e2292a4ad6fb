import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { PhoneCallAuthConfigError } from '../core/phone-call-auth-config.error.js';
import { InjectPhoneCallAuthDataSource } from '../core/phone-call-auth.constants.js';
import { isDatabaseConnectionError } from './connection-errors.js';
import { EVENT_TABLE } from './entities/event.entity.js';
import { INBOUND_CALL_TABLE } from './entities/inbound-call.entity.js';
import { RATE_LIMIT_TABLE } from './entities/rate-limit.entity.js';
import { REFRESH_TOKEN_TABLE } from './entities/refresh-token.entity.js';
import { SMS_PREFIX_TABLE } from './entities/sms-prefix.entity.js';
import { VERIFICATION_TABLE } from './entities/verification.entity.js';
import { queryRows } from './query-rows.js';

const TABLES = [
  VERIFICATION_TABLE,
  INBOUND_CALL_TABLE,
  RATE_LIMIT_TABLE,
  REFRESH_TOKEN_TABLE,
  SMS_PREFIX_TABLE,
  EVENT_TABLE,
];

/** The module's functions, with their argument types. */
const FUNCTIONS = ['phone_call_auth_call_seen(varchar, varchar)'];

/** Columns added to existing tables by later migrations: an app upgraded without running them lacks these. */
const COLUMNS = [
  `${REFRESH_TOKEN_TABLE}.parent_id`,
  `${REFRESH_TOKEN_TABLE}.verification_id`,
  `${VERIFICATION_TABLE}.sms_prefix`,
  `${REFRESH_TOKEN_TABLE}.auth_time`,
  `${VERIFICATION_TABLE}.subject`,
];

/**
 * Of the given tables, functions and `table.column`s, those that do not exist (on the connection's
 * search path). $1 table names, $2 function signatures, $3 columns.
 */
const MISSING_TABLES = `
  SELECT name FROM unnest($1::text[]) AS t(name) WHERE to_regclass(name) IS NULL
  UNION ALL
  SELECT name FROM unnest($2::text[]) AS f(name) WHERE to_regprocedure(name) IS NULL
  UNION ALL
  SELECT name FROM unnest($3::text[]) AS c(name) WHERE NOT EXISTS (
    SELECT 1 FROM pg_attribute
    WHERE attrelid = to_regclass(split_part(name, '.', 1)) AND attname = split_part(name, '.', 2) AND NOT attisdropped
  )`;

/**
 * Checks at startup, with one query, that the module's tables exist, so forgotten migrations stop
 * the app with a message that says what to do, not a 500 at the first request. When the
 * database cannot be reached at that moment, the app still starts (requests answer 503 until it is back).
 */
@Injectable()
export class SchemaCheckService implements OnModuleInit {
  private readonly logger = new Logger(SchemaCheckService.name);

  constructor(@InjectPhoneCallAuthDataSource() private readonly dataSource: DataSource) {}

  async onModuleInit(): Promise<void> {
    let missing: { name: string }[];
    try {
      missing = await queryRows<{ name: string }>(this.dataSource, {
        text: MISSING_TABLES,
        values: [TABLES, FUNCTIONS, COLUMNS],
      });
    } catch (error) {
      if (!isDatabaseConnectionError(error)) throw error;
      this.logger.warn('The database is unreachable at startup: the module tables will be checked by use.');
      return;
    }
    if (missing.length > 0) {
      throw new PhoneCallAuthConfigError(
        `${missing.map(({ name }) => name).join(', ')} do not exist: run the module's migrations. ` +
          'Add PHONE_CALL_AUTH_MIGRATIONS to your data source (migrations: [...PHONE_CALL_AUTH_MIGRATIONS], ' +
          'migrationsRun: true), or run them with the TypeORM CLI (typeorm migration:run -d <your data source>).',
      );
    }
  }
}
