import {
  type Attributes,
  type Counter,
  createNoopMeter,
  type Histogram,
  metrics,
  type ProxyTracerProvider,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
  type Tracer,
} from '@opentelemetry/api';
import { Injectable } from '@nestjs/common';
import type { VerificationChannel } from '../core/verification-state.js';
import { annotateRequest } from './request-context.js';
import { statementSummary } from './statement-summary.js';

/** The name of the module's meter and tracer (the instrumentation scope). */
export const PHONE_CALL_AUTH_INSTRUMENTATION = 'nestjs-phone-call-auth';

/** Why the module refused a request before its work: the value of `phone_call_auth.reason`. */
export type RefusalReason =
  'client_budget' | 'start_limit' | 'number_policy' | 'origin' | 'admission' | 'sms_prefix_blocked';

/**
 * What became of a start: `started`, or why not: `refused` (a limit or a client's mistake), the
 * platform's failures (`platform_error`, `timeout`, `numbers_busy`), or `error` (the database, a bug).
 */
export type StartOutcome = 'started' | 'refused' | 'platform_error' | 'timeout' | 'numbers_busy' | 'error';

/** Seconds, from 5 ms to 10 s: the OpenTelemetry advice for request durations. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

/** An outcome of work that threw: `timeout` for a 504, else `error`; `error.type` is the error's class. */
function failure(error: unknown): { outcome: string; 'error.type': string } {
  const status = (error as { getStatus?: () => number } | null)?.getStatus?.();
  return {
    outcome: status === 504 ? 'timeout' : 'error',
    'error.type': (error as Error | null)?.constructor?.name || 'Error',
  };
}

/**
 * What the module tells an operator, through `@opentelemetry/api` only: counters of starts, proofs,
 * redeems, refusals and callbacks; histograms of platform requests and statements; the open waiters;
 * spans around each platform request and each statement. Without an OpenTelemetry SDK in the app
 * every instrument is the API's no-op (a function call per event), and platform requests and
 * statements run as they are, with no span and no clock read.
 *
 * The use cases, guards, admission control and the statement runner call it synchronously when
 * something happens; a new metric is one instrument here and one method that records it.
 * Attribute values are low-cardinality: a country code, a provider's name, never a number or an id.
 * Instruments are created once, when the module starts: install the SDK (`metrics.setGlobalMeterProvider`,
 * `trace.setGlobalTracerProvider`) before `NestFactory.create`.
 */
@Injectable()
export class PhoneCallAuthTelemetry {
  private readonly tracer: Tracer = trace.getTracer(PHONE_CALL_AUTH_INSTRUMENTATION);
  private readonly meter = metrics.getMeter(PHONE_CALL_AUTH_INSTRUMENTATION);
  private readonly starts = this.counter('verification.starts', '{start}', 'Verification starts, by outcome');
  private readonly proofs = this.counter('verification.proofs', '{proof}', 'Calls and SMS codes checked');
  private readonly redeems = this.counter('verification.redeems', '{redeem}', 'Redeems and consumes, by outcome');
  private readonly refusals = this.counter('refusals', '{refusal}', 'Requests refused before their work');
  private readonly callbacks = this.counter('callbacks', '{callback}', "Platforms' callbacks, by outcome");
  private readonly alarms = this.counter('start_budget.alarms', '{alarm}', 'Global start budget spent in alarm mode');
  private readonly prefixBlocks = this.counter(
    'fraud_guard.blocks',
    '{block}',
    'SMS prefixes blocked by the fraud guard',
  );
  private readonly platformDuration = this.histogram('platform.request.duration', 'Requests to a platform');
  private readonly statementDuration = this.histogram('db.statement.duration', 'Statements on Postgres');
  /** Whether a metrics SDK was installed before the module started (else every instrument is a no-op). */
  private readonly metering = this.meter !== createNoopMeter();
  /** Whether a tracer provider was installed before the module started. */
  private readonly tracing =
    (trace.getTracerProvider() as Partial<ProxyTracerProvider>).getDelegateTracer?.(PHONE_CALL_AUTH_INSTRUMENTATION) !==
    undefined;

  constructor() {
    // Exported from the start, at 0: an alert on its increase then sees the first alarm.
    this.alarms.add(0);
    this.prefixBlocks.add(0);
  }

  /**
   * A start ended (`started`, or why not); `channel` is `none` when the one asked for was refused,
   * `provider` `none` before one was asked, `country` `unknown` for a number that did not parse.
   */
  started(attributes: {
    channel: VerificationChannel | 'none';
    provider?: string;
    country?: string;
    outcome: StartOutcome;
  }) {
    this.starts.add(1, {
      'phone_call_auth.channel': attributes.channel,
      'phone_call_auth.provider': attributes.provider ?? 'none',
      'phone_call_auth.country': attributes.country ?? 'unknown',
      'phone_call_auth.outcome': attributes.outcome,
    });
  }

  /** A proof was checked: an inbound call (its outcome, `matched` verifies) or an SMS code (`verified`, `wrong`...). */
  proven(proof: 'call' | 'code', outcome: string, provider?: string) {
    this.proofs.add(1, {
      'phone_call_auth.proof': proof,
      'phone_call_auth.outcome': outcome,
      ...(provider && { 'phone_call_auth.provider': provider }),
    });
  }

  /** A redeem (for a token) or a consume (without) ended: `issued`/`verified`, or the status that stopped it. */
  redeemed(operation: 'redeem' | 'consume', outcome: string) {
    this.redeems.add(1, { 'phone_call_auth.operation': operation, 'phone_call_auth.outcome': outcome });
  }

  /** A request was refused before its work: a client budget, a start limit, the number policy, its origin, admission control. */
  refused(reason: RefusalReason) {
    this.refusals.add(1, { 'phone_call_auth.reason': reason });
  }

  /** A platform's callback was answered: `refused` (its secret, address or signature), or what its report became. */
  callback(provider: string, outcome: string) {
    this.callbacks.add(1, { 'phone_call_auth.provider': provider, 'phone_call_auth.outcome': outcome });
  }

  /** The global start budget in alarm mode was spent (once per window and instance). */
  startBudgetAlarm() {
    this.alarms.add(1);
  }

  /** The fraud guard blocked SMS to a prefix (`+7967`: a country code and a few digits, never a number); once per block. */
  prefixBlocked(prefix: string) {
    this.prefixBlocks.add(1, { 'phone_call_auth.prefix': prefix });
  }

  /** Reports the open waiters (long-polls and event streams) whenever metrics are collected. */
  observeWaiters(read: () => number) {
    this.meter
      .createObservableUpDownCounter(`phone_call_auth.waiters.open`, {
        unit: '{waiter}',
        description: 'Long-polls and event streams open now',
      })
      .addCallback((result) => result.observe(read()));
  }

  /**
   * Runs one request to a platform (`operation`: the provider's method) in a span, and records its
   * duration with its outcome (`ok`, `timeout`, `error`). The request's log lines name the provider from here on.
   */
  platformRequest<T>(provider: string, operation: string, work: () => Promise<T>): Promise<T> {
    annotateRequest({ provider });
    if (!this.metering && !this.tracing) return work();
    const attributes = { 'phone_call_auth.provider': provider, 'phone_call_auth.operation': operation };
    return this.timed(`${operation} ${provider}`, attributes, this.platformDuration, work);
  }

  /** Runs one statement in a span, and records its duration by its name (or `OPERATION table`) and outcome. */
  statement<T>(statement: { text: string; name?: string }, work: () => Promise<T>): Promise<T> {
    if (!this.metering && !this.tracing) return work();
    const summary = statementSummary(statement);
    const attributes = { 'db.system.name': 'postgresql', 'db.query.summary': summary };
    return this.timed(summary, attributes, this.statementDuration, work);
  }

  /** `work` in a span (when tracing), its duration recorded with its outcome. */
  private timed<T>(name: string, attributes: Attributes, histogram: Histogram, work: () => Promise<T>): Promise<T> {
    if (!this.tracing) return this.measured(attributes, histogram, work);
    return this.tracer.startActiveSpan(name, { kind: SpanKind.CLIENT, attributes }, (span) =>
      this.measured(attributes, histogram, work, span),
    );
  }

  private async measured<T>(attributes: Attributes, histogram: Histogram, work: () => Promise<T>, span?: Span) {
    const start = performance.now();
    let outcome: Attributes = { 'phone_call_auth.outcome': 'ok' };
    try {
      return await work();
    } catch (error) {
      const { outcome: failed, 'error.type': type } = failure(error);
      outcome = { 'phone_call_auth.outcome': failed, 'error.type': type };
      // The error's class only: a message may hold a platform's text or a statement's values.
      span?.setStatus({ code: SpanStatusCode.ERROR, message: type });
      span?.setAttribute('error.type', type);
      throw error;
    } finally {
      histogram.record((performance.now() - start) / 1000, { ...attributes, ...outcome });
      span?.end();
    }
  }

  private counter(name: string, unit: string, description: string): Counter {
    return this.meter.createCounter(`phone_call_auth.${name}`, { unit, description });
  }

  private histogram(name: string, description: string): Histogram {
    return this.meter.createHistogram(`phone_call_auth.${name}`, {
      unit: 's',
      description,
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    });
  }
}
