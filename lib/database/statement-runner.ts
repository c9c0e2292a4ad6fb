import { Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { InjectPhoneCallAuthDataSource } from '../core/phone-call-auth.constants.js';
import type { ResolvedDatabaseOptions } from '../options/resolved-options.interface.js';
import { InjectPhoneCallAuthOptions } from '../options/option-slices.js';
import { type AdmissionClass, AdmissionService } from './admission.service.js';
import { queryTimeoutMs } from './database-clock.js';
import { queryPool, queryRows, type Statement } from './query-rows.js';

/**
 * What every store runs its statements with: admission control in front, then one statement on
 * the pool (one round trip, a prepared statement when it is named and `preparedStatements` is on),
 * or through TypeORM inside a transaction. Stores are the only callers; use cases call stores.
 *
 * @example
 * const rows = await this.db.run<{ id: string }>('priority', statement);
 */
@Injectable()
export class StatementRunner {
  private readonly prepared: boolean;

  constructor(
    @InjectPhoneCallAuthOptions('database') database: ResolvedDatabaseOptions,
    @InjectPhoneCallAuthDataSource() private readonly dataSource: DataSource,
    private readonly admission: AdmissionService,
  ) {
    this.prepared = database.preparedStatements;
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

  /** One statement on the pool, inside work already admitted. */
  query<T>(statement: Statement): Promise<T[]> {
    return queryPool<T>(this.dataSource, statement, this.prepared);
  }

  /** One statement through TypeORM: on the caller's transaction (`manager`), else on the data source. */
  queryRows<T>(statement: Statement, manager?: EntityManager): Promise<T[]> {
    return queryRows<T>(manager ?? this.dataSource, statement);
  }

  /** `work` in one TypeORM transaction (BEGIN and COMMIT are a round trip each). */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }
}
