import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { GlobalBudgetIndicator } from 'nestjs-phone-call-auth';
import { DataSource } from 'typeorm';

/** How long the database may take to answer `SELECT 1` before it counts as down. */
const DATABASE_PING_MS = 1000;

/** Rejects after `ms`; the timer does not keep the process alive. */
function deadline(ms: number): Promise<never> {
  return new Promise((_resolve, reject) => setTimeout(() => reject(new Error('timeout')), ms).unref());
}

/**
 * `GET /health`, for load balancers: 200 while the database answers within a second, 503
 * otherwise. The answer names no address, host or driver message (those are in the log): terminus'
 * own TypeORM ping would put the driver's message, address included, in the 503 body.
 *
 * `startBudget` reports the global start budget (`limits.starts.global`): in the default `alarm` mode
 * a spent budget lets starts go on, so it is reported `degraded` (still 200; the overall status
 * becomes `degraded`) for someone to look.
 */
@ApiTags('sample app')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly dataSource: DataSource,
    private readonly globalBudget: GlobalBudgetIndicator,
  ) {}

  @Get()
  @HealthCheck()
  @ApiOperation({ summary: 'Whether this instance can reach its database, and whether the start budget is spent' })
  check() {
    return this.health.check([() => this.database(), () => this.startBudget()]);
  }

  private async database() {
    const session = this.indicators.check('database');
    try {
      await Promise.race([this.dataSource.query('SELECT 1'), deadline(DATABASE_PING_MS)]);
      return session.up();
    } catch {
      return session.down({ message: 'The database is not answering.' });
    }
  }

  private async startBudget() {
    const session = this.indicators.check('startBudget');
    try {
      const { mode, limit, windowSeconds, used, exceeded } = await Promise.race([
        this.globalBudget.check(),
        deadline(DATABASE_PING_MS),
      ]);
      const details = { mode, limit, windowSeconds, used };
      return exceeded ? session.degraded({ ...details, globalStartBudget: 'exceeded' }) : session.up(details);
    } catch {
      // The database check says why; the budget is unknown meanwhile, which fails nothing by itself.
      return session.up({ globalStartBudget: 'unknown' });
    }
  }
}
