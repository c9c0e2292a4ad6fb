import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { InjectPhoneCallAuthDataSource } from '../core/phone-call-auth.constants.js';
import type { ResolvedDatabaseOptions } from '../options/resolved-options.interface.js';
import { InjectPhoneCallAuthOptions } from '../options/option-slices.js';
import { type AdmissionClass, AdmissionService } from './admission.service.js';
import { behindConnectionPooler, isPreparedStatementMixUp } from './connection-pooler.js';
import { queryTimeoutMs } from './database-clock.js';
import { PhoneCallAuthTelemetry } from '../telemetry/phone-call-auth.telemetry.js';
import { queryPool, queryRows, type Statement } from './query-rows.js';

/**
 * What every store runs its statements with: admission control in front, then one statement on
 * the pool (one round trip, a prepared statement when it is named and `preparedStatements` is on),
 * or through TypeORM inside a transaction. Stores are the only callers; use cases call stores.
 *
 * With `preparedStatements: 'auto'` it looks at the pool once at startup and turns prepared
 * statements off behind a connection pooler. Whatever the setting, a named statement that a
 * pooler mixed up turns them off for good and runs again unprepared.
 *
 * @example
 * const rows = await this.db.run<{ id: string }>('priority', statement);
 */
@Injectable()
export class StatementRunner implements OnModuleInit {
  private readonly logger = new Logger('PhoneCallAuthModule');
  private readonly setting: boolean | 'auto';
  /** Until the startup check has answered, 'auto' prepares: a mix-up meanwhile turns them off anyway. */
  private prepared: boolean;

  constructor(
    @InjectPhoneCallAuthOptions('database') database: ResolvedDatabaseOptions,
    @InjectPhoneCallAuthDataSource() private readonly dataSource: DataSource,
    private readonly admission: AdmissionService,
    private readonly telemetry: PhoneCallAuthTelemetry,
  ) {
    this.setting = database.preparedStatements;
    this.prepared = this.setting !== false;
  }

  /** Whether named statements are sent as prepared statements (now). */
  get preparedStatements(): boolean {
    return this.prepared;
  }

  async onModuleInit(): Promise<void> {
    if (this.setting !== 'auto' || !this.dataSource.isInitialized) return;
    let pooled: boolean | undefined;
    try {
      pooled = await behindConnectionPooler(this.dataSource);
    } catch (error) {
      // The first statements will tell: a mix-up turns prepared statements off then.
      this.logger.warn(`Could not check the pool for a connection pooler: ${(error as Error).message}`);
      return;
    }
    if (!pooled) return;
    this.prepared = false;
    this.logger.log(
      "The data source's connections go through a connection pooler (PgBouncer, Supavisor...): prepared " +
        'statements are off (preparedStatements: true keeps them, for PgBouncer 1.21+ with max_prepared_statements).',
    );
  }

  /** `query_timeout` of the pool, for deadlines on the database's clock (`DatabaseClock`). */
  get queryTimeoutMs(): number | undefined {
    return queryTimeoutMs(this.dataSource);
  }

  /**
   * One statement through admission control.
   * @throws DatabaseBusyException (503) when the queue is full or the wait too long
   */
  run<T>(admission: AdmissionClass, statement: Statement): Promise<T[]> {
    return this.admission.run(admission, () => this.query<T>(statement));
  }

  /**
   * Several statements as one piece of work through admission control (one slot for all of them).
   * @throws DatabaseBusyException (503) when the queue is full or the wait too long
   */
  admit<T>(admission: AdmissionClass, work: () => Promise<T>): Promise<T> {
    return this.admission.run(admission, work);
  }

  /** One statement on the pool, inside work already admitted (in a span, its duration recorded). */
  query<T>(statement: Statement): Promise<T[]> {
    return this.telemetry.statement(statement, () => this.queryPool<T>(statement));
  }

  private async queryPool<T>(statement: Statement): Promise<T[]> {
    const prepared = this.prepared;
    try {
      return await queryPool<T>(this.dataSource, statement, prepared);
    } catch (error) {
      if (!prepared || !statement.name || !isPreparedStatementMixUp(error)) throw error;
      if (this.prepared) {
        this.prepared = false;
        this.logger.warn(
          `A connection pooler mixed up the prepared statement ${statement.name} (${(error as Error).message}): ` +
            'prepared statements off from now on. Set preparedStatements: false, or give the pooler ' +
            'max_prepared_statements (PgBouncer 1.21+), to keep this off the first requests.',
        );
      }
      return queryPool<T>(this.dataSource, statement, false);
    }
  }

  /** One statement through TypeORM: on the caller's transaction (`manager`), else on the data source. */
  queryRows<T>(statement: Statement, manager?: EntityManager): Promise<T[]> {
    return this.telemetry.statement(statement, () => queryRows<T>(manager ?? this.dataSource, statement));
  }

  /** `work` in one TypeORM transaction (BEGIN and COMMIT are a round trip each). */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }
}
