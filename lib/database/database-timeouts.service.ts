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
 * ({@link closeConnectionsOnQueryTimeout}).
 */
@Injectable()
export class DatabaseTimeoutsService implements OnModuleInit {
  private readonly logger = new Logger('PhoneCallAuthModule');

  constructor(@Inject(PHONE_CALL_AUTH_DATA_SOURCE) private readonly dataSource: DataSource) {}

  onModuleInit(): void {
    closeConnectionsOnQueryTimeout(this.dataSource.driver);
    const missing = missingDatabaseTimeouts(this.dataSource.options);
    if (missing.length > 0) {
      this.logger.warn(
        `The TypeORM data source sets no ${missing.join(', ')}: a database that stops answering (rather than ` +
          `refusing) makes requests wait without bound. Set them in its options, e.g. extra: ` +
          `${JSON.stringify(ADVISED_DATABASE_TIMEOUTS).replace(/"/g, '').replace(/:/g, ': ').replace(/,/g, ', ')} ` +
          `(see "When the database is down or frozen" in nestjs-phone-call-auth/docs/operations.md).`,
      );
    }
  }
}
