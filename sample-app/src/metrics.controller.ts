import { Controller, Get, Inject, NotFoundException, Req, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { metrics } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { OpsTokenGuard } from './ops-token.guard.js';

/** The injection token of the Prometheus exporter, `null` when metrics are off. */
export const PROMETHEUS_EXPORTER = 'SAMPLE_PROMETHEUS_EXPORTER';

/**
 * Installs the OpenTelemetry metrics SDK with a Prometheus reader that serves no port of its own:
 * `/metrics` on the app's port serves it. Call it before `NestFactory.create`: the module creates
 * its instruments when it starts.
 */
export function installPrometheusMetrics(): PrometheusExporter {
  const exporter = new PrometheusExporter({ preventServerStart: true });
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [exporter] }));
  return exporter;
}

/** An Express request/response, or a Fastify request/reply (whose Node objects are `raw`). */
type Raw<T> = T | { raw: T; hijack?: () => void };

/** `GET /metrics`: the module's metrics in Prometheus' text format, for the operator's token only. */
@ApiExcludeController()
@Controller('metrics')
@UseGuards(OpsTokenGuard)
export class MetricsController {
  constructor(@Inject(PROMETHEUS_EXPORTER) private readonly exporter: PrometheusExporter | null) {}

  @Get()
  serve(@Req() request: Raw<IncomingMessage>, @Res() reply: Raw<ServerResponse>): void {
    if (!this.exporter) throw new NotFoundException();
    // Fastify: the exporter writes to the Node response itself.
    if ('hijack' in reply) reply.hijack?.();
    this.exporter.getMetricsRequestHandler(
      'raw' in request ? request.raw : request,
      'raw' in reply ? reply.raw : reply,
    );
  }
}
