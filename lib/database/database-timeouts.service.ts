import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { PHONE_CALL_AUTH_DATA_SOURCE } from '../core/phone-call-auth.constants.js';
import {
  ADVISED_DATABASE_TIMEOUTS,
  closeConnectionsOnQueryTimeout,
  missingDatabaseTimeouts,
} from './database-timeouts.js';

/**
 * At startup: warns when the data source sets no timeouts (a frozen database would make requests
 * hang), and makes its pool drop a connection whose query timed out
 * ({@link closeConnectionsOnQueryTimeout}). `statement_timeout` counts as set when the server's
 * connections run with one, whether from TypeORM's `extra` or from the role or the database (the
 * way behind PgBouncer, which refuses it as a startup parameter); set in `extra` but not in effect,
 * a pooler dropped it (`ignore_startup_parameters`), which gets a warning of its own.
 */
@Injectable()
export class DatabaseTimeoutsService implements OnModuleInit {
  private readonly logger = new Logger('PhoneCallAuthModule');

  constructor(@Inject(PHONE_CALL_AUTH_DATA_SOURCE) private readonly dataSource: DataSource) {}

  async onModuleInit(): Promise<void> {
    closeConnectionsOnQueryTimeout(this.dataSource.driver);
    let missing = missingDatabaseTimeouts(this.dataSource.options);
    const server = await this.serverStatementTimeout();
    if (server !== undefined && server !== '0') {
      missing = missing.filter((name) => name !== 'statement_timeout');
    } else if (server === '0' && !missing.includes('statement_timeout')) {
      this.logger.warn(
        "The TypeORM data source sets statement_timeout in extra, but the server's connections run with none: " +
          "a connection pooler dropped it (PgBouncer's ignore_startup_parameters). Set it on the database role " +
          `instead: ${ROLE_ADVICE} (see "PgBouncer and other poolers" in nestjs-phone-call-auth/docs/operations.md).`,
      );
    }
    if (missing.length > 0) {
      this.logger.warn(
        `The TypeORM data source sets no ${missing.join(', ')}: a database that stops answering (rather than ` +
          `refusing) makes requests wait without bound. Set them in its options, e.g. extra: ` +
          `${JSON.stringify(ADVISED_DATABASE_TIMEOUTS).replace(/"/g, '').replace(/:/g, ': ').replace(/,/g, ', ')} ` +
          `(see "When the database is down or frozen" in nestjs-phone-call-auth/docs/operations.md).` +
          (missing.includes('statement_timeout')
            ? ` Behind PgBouncer, which refuses statement_timeout at connection startup, set it on the role: ${ROLE_ADVICE}.`
            : ''),
      );
    }
  }

  /** The server's `statement_timeout` on a pool connection ('0' for none), or `undefined` when it cannot tell. */
  private async serverStatementTimeout(): Promise<string | undefined> {
    if (this.dataSource.options.type !== 'postgres' || !this.dataSource.isInitialized) return undefined;
    try {
      const rows = (await this.dataSource.query("SELECT current_setting('statement_timeout') AS value")) as {
        value?: unknown;
      }[];
      return typeof rows[0]?.value === 'string' ? rows[0].value : undefined;
    } catch {
      return undefined;
    }
  }
}

/** How to set statement_timeout where a transaction pooler cannot drop it. */
const ROLE_ADVICE = "ALTER ROLE <user> SET statement_timeout = '2s'";
