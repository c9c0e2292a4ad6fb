import type { LoggerService } from '@nestjs/common';
import { type Attributes, metrics, trace } from '@opentelemetry/api';
import {
  type DataPoint,
  type Histogram,
  MeterProvider,
  MetricReader,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { phoneCallAuthLogFields } from 'nestjs-phone-call-auth';
import { PREFIX, useTestApp } from './support/test-app.js';

/** A reader the test collects from when it wants to (no timer, no export). */
class TestReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

// The SDK is installed before the app starts (useTestApp's beforeAll), as an app would in main.ts.
const reader = new TestReader();
metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
const spans = new InMemorySpanExporter();
trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }));

/** Every line the app logs, with the module's log fields of the request it was logged in. */
class FieldsLogger implements LoggerService {
  readonly lines: { message: string; fields?: Record<string, unknown> }[] = [];
  private keep = (message: unknown) => {
    const fields = phoneCallAuthLogFields();
    this.lines.push({ message: String(message), fields: fields && { ...fields } });
  };
  log = this.keep;
  error = this.keep;
  warn = this.keep;
  debug = this.keep;
  verbose = this.keep;
  fatal = this.keep;
}

async function collected(): Promise<Map<string, MetricData>> {
  const { resourceMetrics } = await reader.collect();
  const all = resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics);
  return new Map(all.map((metric) => [metric.descriptor.name, metric]));
}

/** The sum of a counter's points whose attributes include `where`. */
function count(metric: MetricData | undefined, where: Attributes): number {
  const points = (metric?.dataPoints ?? []) as DataPoint<number>[];
  return points
    .filter((point) => Object.entries(where).every(([key, value]) => point.attributes[key] === value))
    .reduce((sum, point) => sum + point.value, 0);
}

describe('metrics and spans through @opentelemetry/api, with an SDK installed', () => {
  const logger = new FieldsLogger();
  // A global start budget of one start, in alarm mode: the second start that counts sounds it.
  const global = { limit: 1, windowSeconds: 3600, mode: 'alarm' as const };
  const t = useTestApp({
    logger,
    options: { limits: { starts: { perPhone: false, perAddress: false, perNetwork: false, global } } },
  });

  it('counts a flow by channel, provider, country and outcome, times platform requests and statements, and traces both', async () => {
    const started = await t.request('POST', `${PREFIX}/verifications`, { phone: '+7 967 031-11-22' });
    expect(started.status).toBe(201);
    expect(await t.platform.placeCall({ from: '79670311122' })).toEqual({ status: 200, body: 'OK' });
    const issued = await t.request('POST', `${PREFIX}/verifications/${started.body.id}/token`, {
      secret: started.body.secret,
    });
    expect(issued.status).toBe(200);
    // A number the default policy refuses (toll-free), and a platform that fails.
    expect((await t.request('POST', `${PREFIX}/verifications`, { phone: '+7 800 555-35-35' })).status).toBe(400);
    t.platform.failNext('7', 'balance too low');
    expect((await t.request('POST', `${PREFIX}/verifications`, { phone: '+7 916 123-45-67' })).status).toBe(502);
    const forged = await t.request('GET', `${PREFIX}/callback/not-the-secret?phone=79670311122`);
    expect(forged.status).toBe(403);

    const found = await collected();
    const starts = found.get('phone_call_auth.verification.starts');
    expect(starts?.descriptor.unit).toBe('{start}');
    const call = {
      'phone_call_auth.channel': 'call',
      'phone_call_auth.provider': 'ssms',
      'phone_call_auth.country': 'RU',
    };
    expect(count(starts, { ...call, 'phone_call_auth.outcome': 'started' })).toBe(1);
    expect(count(starts, { ...call, 'phone_call_auth.outcome': 'platform_error' })).toBe(1);
    expect(count(starts, { 'phone_call_auth.provider': 'none', 'phone_call_auth.outcome': 'refused' })).toBe(1);
    expect(count(found.get('phone_call_auth.refusals'), { 'phone_call_auth.reason': 'number_policy' })).toBe(1);
    expect(count(found.get('phone_call_auth.start_budget.alarms'), {})).toBe(1);
    const proofs = found.get('phone_call_auth.verification.proofs');
    expect(count(proofs, { 'phone_call_auth.proof': 'call', 'phone_call_auth.outcome': 'matched' })).toBe(1);
    const redeems = found.get('phone_call_auth.verification.redeems');
    expect(count(redeems, { 'phone_call_auth.operation': 'redeem', 'phone_call_auth.outcome': 'issued' })).toBe(1);
    expect(count(redeems, { 'phone_call_auth.outcome': 'pending' })).toBe(0);
    const callbacks = found.get('phone_call_auth.callbacks');
    expect(count(callbacks, { 'phone_call_auth.provider': 'ssms', 'phone_call_auth.outcome': 'matched' })).toBe(1);
    expect(count(callbacks, { 'phone_call_auth.outcome': 'refused' })).toBe(1);

    // The platform's failure is in the duration histogram's outcome, beside the request that worked.
    const platform = found.get('phone_call_auth.platform.request.duration')!;
    expect(platform.descriptor.unit).toBe('s');
    const requests = platform.dataPoints as DataPoint<Histogram>[];
    const outcomes = requests.map(({ attributes, value }) => [
      attributes['phone_call_auth.operation'],
      attributes['phone_call_auth.outcome'],
      value.count,
    ]);
    expect(outcomes).toEqual(
      expect.arrayContaining([
        ['requestCall', 'ok', 1],
        ['requestCall', 'error', 1],
      ]),
    );
    const statements = found.get('phone_call_auth.db.statement.duration')!.dataPoints as DataPoint<Histogram>[];
    const summaries = statements.map((point) => point.attributes['db.query.summary']);
    expect(summaries).toEqual(expect.arrayContaining(['phone_call_auth_insert', 'phone_call_auth_match']));
    expect(found.get('phone_call_auth.waiters.open')?.dataPoints).toEqual([expect.objectContaining({ value: 0 })]);

    // Low cardinality: no number and no id in any attribute value of any metric.
    const values = [...found.values()].flatMap((metric) =>
      metric.dataPoints.flatMap((point) => Object.values(point.attributes).map(String)),
    );
    expect(values.filter((value) => /\d{4}|[0-9a-f]{8}-/.test(value))).toEqual([]);

    const finished = spans.getFinishedSpans();
    const names = finished.map((span) => span.name);
    expect(names).toEqual(expect.arrayContaining(['requestCall ssms', 'phone_call_auth_insert']));
    const failed = finished.filter((span) => span.name === 'requestCall ssms' && span.status.code === 2);
    expect(failed).toHaveLength(1);
    expect(JSON.stringify(finished.map((span) => span.attributes))).not.toMatch(/9670311122|9161234567/);
  });

  it("answers each request with its id (the client's when it is a short token) and names it in the request's log lines", async () => {
    const given = await t.request(
      'POST',
      `${PREFIX}/verifications`,
      { phone: '+7 967 031-11-23' },
      {
        'x-request-id': 'req-0001.a:b',
      },
    );
    expect(given.headers.get('x-request-id')).toBe('req-0001.a:b');
    const made = await t.request(
      'POST',
      `${PREFIX}/verifications`,
      { phone: '+7 967 031-11-24' },
      {
        'x-request-id': `a ${'long '.repeat(20)}id`,
      },
    );
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);

    // A platform failure is logged inside its request, with the request id and the provider.
    t.platform.failNext('7', 'balance too low');
    const failed = await t.request(
      'POST',
      `${PREFIX}/verifications`,
      { phone: '+7 916 123-45-68' },
      {
        'x-request-id': 'req-failing',
      },
    );
    expect(failed.status).toBe(502);
    const line = logger.lines.find((each) => each.fields?.requestId === 'req-failing');
    expect(line?.fields).toEqual({ requestId: 'req-failing', provider: 'ssms' });
    expect(line?.message).toContain('+7916***4568');
  });
});
