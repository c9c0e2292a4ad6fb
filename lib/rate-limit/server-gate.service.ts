import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  Optional,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { PHONE_CALL_AUTH_MOUNTED_ROUTES, type PhoneCallAuthMountedRoutes } from '../core/phone-call-auth.constants.js';
import { matchAcceptLanguage } from '../i18n/accept-language.js';
import { errorMessage } from '../i18n/error-text.js';
import { PHONE_CALL_AUTH_LOCALES } from '../i18n/messages.js';
import { InjectPhoneCallAuthOptions } from '../options/option-slices.js';
import type { ResolvedLimits, ResolvedPlatforms, ResolvedTexts } from '../options/resolved-options.interface.js';
import { BudgetedRoutes } from './budgeted-routes.js';
import { ClientBudgetExceededException } from './client-budget-exceeded.exception.js';
import { ClientBudgetService } from './client-budget.service.js';
import { ConnectionCaps, ConnectionHold } from './connection-caps.js';
import { proxyTrusted } from './proxy-trust.js';
import { PhoneCallAuthTelemetry } from '../telemetry/phone-call-auth.telemetry.js';
import { RefusalTally } from '../ops/refusal-tally.service.js';

/** Refusals written, by `Accept-Language` and seconds; emptied when it grows past this (a flood sends one header). */
const MAX_ANSWERS = 256;

/** An event emitter whose listeners can be read and replaced: the node HTTP server under Express and Fastify. */
interface ServerLike {
  listeners(event: string): ((...args: unknown[]) => void)[];
  removeAllListeners(event: string): unknown;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
}

/**
 * Guards the app's HTTP server itself, beneath Express or Fastify, when the app faces clients
 * directly (no proxy trusted, so the socket's address is the client's):
 * - a request to one of the module's budgeted routes from a client whose budget is spent is
 *   answered 429 (`CLIENT_BUDGET_EXCEEDED`, `Retry-After`, the message in the `Accept-Language`
 *   language) before the framework sees it: a flood's refusals cost no pipeline. The budget is
 *   {@link ClientBudgetService}'s, only read here; a request it lets through is counted by the
 *   route's guard, as before.
 * - after `limits.connections.refusalsBeforeHold` such refusals on one keep-alive connection, the
 *   next over-budget request on it is not answered: the connection is held ({@link ConnectionHold});
 * - `limits.connections.perAddress` and `perNetwork` cap the open connections of a client; one
 *   beyond is held too.
 *
 * Behind a trusted proxy all three stay off (the proxy's equivalents are in docs/operations.md) and
 * the budgets are spent and refused by the routes' guard.
 */
@Injectable()
export class ServerGateService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly routes: BudgetedRoutes;
  private readonly answers = new Map<string, Buffer>();
  private readonly refusals = new WeakMap<Socket, number>();
  private readonly held = new ConnectionHold();

  constructor(
    private readonly budgets: ClientBudgetService,
    @InjectPhoneCallAuthOptions('limits') private readonly limits: ResolvedLimits,
    @InjectPhoneCallAuthOptions('texts') private readonly texts: ResolvedTexts,
    @InjectPhoneCallAuthOptions('platforms') private readonly platforms: ResolvedPlatforms,
    @Inject(PHONE_CALL_AUTH_MOUNTED_ROUTES) mounted: PhoneCallAuthMountedRoutes,
    private readonly telemetry: PhoneCallAuthTelemetry,
    private readonly tally: RefusalTally,
    @Optional() private readonly adapterHost?: HttpAdapterHost,
  ) {
    this.routes = new BudgetedRoutes(mounted);
  }

  onApplicationBootstrap(): void {
    const adapter = this.adapterHost?.httpAdapter;
    const server = adapter?.getHttpServer() as ServerLike | undefined;
    if (!adapter || typeof server?.listeners !== 'function') return;
    const trusted = proxyTrusted(adapter);
    if (this.limits.budgets) {
      gate(
        server,
        'request',
        (request, response) => trusted() || !this.refused(request as IncomingMessage, response as ServerResponse),
      );
    }
    const connections = this.limits.connections;
    if (connections && (connections.perAddress || connections.perNetwork)) {
      const allowlists = [...this.platforms.callbacks.byProvider.values()].flatMap(({ allowlist }) =>
        allowlist ? [allowlist] : [],
      );
      const caps = new ConnectionCaps(connections.perAddress, connections.perNetwork, this.held, allowlists);
      gate(server, 'connection', (socket) => trusted() || caps.admit(socket as Socket));
    }
  }

  /** Before the server closes, which waits for every open connection: the held ones would keep it 10 s. */
  beforeApplicationShutdown(): void {
    this.held.closeAll();
  }

  /** Answers 429 when the request is for a budgeted route and its client has no budget left for it. */
  private refused(request: IncomingMessage, response: ServerResponse): boolean {
    const family = this.routes.familyOf(request.url ?? '');
    if (!family) return false;
    const seconds = this.budgets.waitFor(family, request.socket.remoteAddress);
    if (seconds === 0) return false;
    this.telemetry.refused('client_budget');
    // As the routes' guard counts them, for the dashboard (in memory: a flood writes nothing).
    if (family === 'start') this.tally.count({ reason: 'CLIENT_BUDGET_EXCEEDED' });
    if (this.abusive(request.socket)) {
      this.held.hold(request.socket);
      return true;
    }
    const body = this.answer(request.headers['accept-language'], seconds);
    response.writeHead(429, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': body.length,
      'cache-control': 'no-store',
      'retry-after': String(seconds),
    });
    response.end(body);
    return true;
  }

  /** Counts a refusal on the connection; whether it had its `refusalsBeforeHold` already. */
  private abusive(socket: Socket): boolean {
    const limit = this.limits.connections && this.limits.connections.refusalsBeforeHold;
    if (!limit) return false;
    const count = (this.refusals.get(socket) ?? 0) + 1;
    this.refusals.set(socket, count);
    return count > limit;
  }

  /** The body of the refusal: the exception filter's, written once per language header and wait. */
  private answer(acceptLanguage: string | undefined, seconds: number): Buffer {
    const key = `${seconds}|${acceptLanguage ?? ''}`;
    let body = this.answers.get(key);
    if (!body) {
      const locale = matchAcceptLanguage(acceptLanguage, PHONE_CALL_AUTH_LOCALES) ?? this.texts.defaultLocale;
      const exception = new ClientBudgetExceededException(seconds);
      const message = errorMessage(exception.text!, { locale, messages: this.texts.messages });
      body = Buffer.from(JSON.stringify({ ...exception.getResponse(), message }));
      if (this.answers.size >= MAX_ANSWERS) this.answers.clear();
      this.answers.set(key, body);
    }
    return body;
  }
}

/** Puts `admit` in front of the server's listeners of `event`: they run only when it answers true. */
function gate(server: ServerLike, event: string, admit: (...args: unknown[]) => boolean): void {
  const listeners = server.listeners(event);
  server.removeAllListeners(event);
  server.on(event, function (this: unknown, ...args: unknown[]) {
    if (!admit(...args)) return;
    for (const listener of listeners) listener.apply(this, args);
  });
}
