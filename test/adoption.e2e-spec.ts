import {
  Body,
  type CanActivate,
  Controller,
  type ExecutionContext,
  ForbiddenException,
  HttpCode,
  Injectable,
  Module,
  Post,
  Res,
  SetMetadata,
} from '@nestjs/common';
import { APP_GUARD, NestFactory, Reflector } from '@nestjs/core';
import {
  isPhoneCallAuthRoute,
  PhoneCallAuth,
  PhoneCallAuthConfigError,
  PhoneCallAuthModule,
  type PhoneCallSubject,
  VerificationService,
  VerifiedPhone,
  type VerifiedPhoneIdentity,
} from 'nestjs-phone-call-auth';
import { FakeSsmsPlatform } from 'nestjs-phone-call-auth/testing';
import { nextPhone } from './support/phones.js';
import { bootTestApp, createTestDatabase, PREFIX, TEST_JWT_SECRET, useTestApp } from './support/test-app.js';
import { digits, verificationHelpers } from './support/verifications.js';

/*
 * The module inside apps that already have their own authentication: an app-wide guard, their own
 * session instead of the module's token, tokens in a cookie, typed claims, and startup errors that
 * say what to fix.
 */

/** The Nest docs' pattern: an app-wide guard that refuses everything not marked `@Public()`. */
const IS_PUBLIC_KEY = 'isPublic';
const Public = () => SetMetadata(IS_PUBLIC_KEY, true);

@Injectable()
class DenyUnlessPublicGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}
  canActivate(context: ExecutionContext): boolean {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!isPublic) throw new ForbiddenException('Sign in with the app first.');
    return true;
  }
}

/** The same guard written with the module's helper instead of route decorators. */
@Injectable()
class DenyUnlessModuleRouteGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (isPhoneCallAuthRoute(context)) return true;
    throw new ForbiddenException('Sign in with the app first.');
  }
}

describe('an app-wide guard with routeDecorators: [Public()]', () => {
  const t = useTestApp({
    extras: { routeDecorators: [Public()] },
    providers: [{ provide: APP_GUARD, useClass: DenyUnlessPublicGuard }],
  });
  const { start, redeem, placeCall } = verificationHelpers(t);

  it('lets the whole flow through, the platform callback included, and still guards the app', async () => {
    const phone = nextPhone();
    const { id, secret } = await start(phone);
    await placeCall({ from: digits(phone) });
    const issued = await redeem(id, secret);
    expect(issued.status).toBe(200);
    // The app's own route is not public: the app-wide guard refuses it, token or not.
    const me = await t.request('GET', '/me', undefined, { authorization: `Bearer ${issued.body.accessToken}` });
    expect(me.status).toBe(403);
  });

  it('applies the decorators to the module routes only', async () => {
    expect((await t.request('GET', '/me')).status).toBe(403);
  });
});

describe('an app-wide guard that lets isPhoneCallAuthRoute(context) through', () => {
  const t = useTestApp({ providers: [{ provide: APP_GUARD, useClass: DenyUnlessModuleRouteGuard }] });
  const { start, redeem, placeCall } = verificationHelpers(t);

  it('runs the whole flow, the platform callback included', async () => {
    const phone = nextPhone();
    const { id, secret } = await start(phone);
    await placeCall({ from: digits(phone) });
    expect((await redeem(id, secret)).status).toBe(200);
    expect((await t.request('GET', '/me')).status).toBe(403);
  });
});

/** An app with its own session: its route consumes the verification and sets its own cookie. */
@Controller('session')
class SessionController {
  constructor(private readonly verifications: VerificationService) {}

  @Post()
  @HttpCode(200)
  async signIn(
    @Body() body: { id: string; secret: string },
    @Res({ passthrough: true })
    response: { header?(name: string, value: string): unknown; setHeader?(name: string, value: string): unknown },
  ) {
    const result = await this.verifications.consume(body.id, body.secret);
    if (result.status !== 'verified') return result;
    const cookie = `app_session=${encodeURIComponent(result.phone)}; HttpOnly; Path=/`;
    if (response.setHeader) response.setHeader('Set-Cookie', cookie);
    else response.header?.('Set-Cookie', cookie);
    return { status: 'verified', phone: result.phone, verificationId: result.verificationId };
  }
}

describe('routes: { token: false, refresh: false } and the app’s own session', () => {
  const t = useTestApp({
    extras: { routes: { token: false, refresh: false } },
    controllers: [SessionController],
  });
  const { start, placeCall } = verificationHelpers(t);

  it('leaves the token and refresh routes unmounted, the others in place', async () => {
    const { id, secret } = await start(nextPhone());
    expect((await t.request('POST', `${PREFIX}/verifications/${id}/token`, { secret })).status).toBe(404);
    expect((await t.request('POST', `${PREFIX}/token/refresh`, { refreshToken: 'x' })).status).toBe(404);
    expect((await t.request('DELETE', `${PREFIX}/verifications/${id}`, { secret })).status).toBe(204);
  });

  it('consume() answers verified once, with the phone, then consumed; it stores no refresh token', async () => {
    const phone = nextPhone();
    const { id, secret } = await start(phone);
    expect((await t.request('POST', '/session', { id, secret })).body).toMatchObject({ status: 'pending' });
    await placeCall({ from: digits(phone) });
    const signedIn = await t.request('POST', '/session', { id, secret });
    expect(signedIn.body).toEqual({ status: 'verified', phone, verificationId: id });
    expect(signedIn.headers.get('set-cookie')).toContain(`app_session=${encodeURIComponent(phone)}`);
    expect((await t.request('POST', '/session', { id, secret })).body).toEqual({ status: 'consumed' });
    expect((await t.request('POST', '/session', { id, secret: 'wrong' })).body).toEqual({ status: 'unauthorized' });
    const [{ n }] = await t.dataSource.query('SELECT count(*)::int AS n FROM phone_call_refresh_token');
    expect(n).toBe(0);
  });
});

interface AppClaims {
  role: 'admin' | 'user';
}

@Controller('typed')
class TypedClaimsController {
  @Post()
  @HttpCode(200)
  @PhoneCallAuth()
  role(@VerifiedPhone() identity: VerifiedPhoneIdentity<AppClaims>) {
    // Typed end to end: `role` is 'admin' | 'user', `phone_number` the module's claim.
    const role: AppClaims['role'] = identity.claims.role;
    return { role, phone: identity.claims.phone_number };
  }
}

describe('jwt.cookie: the access token in an HttpOnly cookie', () => {
  const cookie = 'pc_token';
  const t = useTestApp({
    options: {
      jwt: { secret: TEST_JWT_SECRET, cookie },
      resolveSubject: (phone): PhoneCallSubject<AppClaims> => ({ sub: `user:${phone}`, claims: { role: 'admin' } }),
    },
    controllers: [TypedClaimsController],
  });
  const { start, redeem, placeCall } = verificationHelpers(t);

  async function signIn(): Promise<{ phone: string; setCookie: string; accessToken: string }> {
    const phone = nextPhone();
    const { id, secret } = await start(phone);
    await placeCall({ from: digits(phone) });
    const issued = await redeem(id, secret);
    expect(issued.status).toBe(200);
    // In cookie mode the token is in the cookie only (jwt.tokensInBody: false by default).
    expect(issued.body).toEqual({ expiresIn: 900 });
    const setCookie = issued.headers.get('set-cookie') ?? '';
    return { phone, setCookie, accessToken: /^pc_token=([^;]+)/.exec(setCookie)?.[1] ?? '' };
  }

  it('sets the cookie with HttpOnly, Secure, SameSite=Lax, Path=/ and the token lifetime', async () => {
    const { setCookie, accessToken } = await signIn();
    expect(setCookie).toBe(`${cookie}=${accessToken}; Max-Age=900; Path=/; HttpOnly; Secure; SameSite=Lax`);
  });

  it('@PhoneCallAuth() accepts the cookie without an Authorization header, with typed claims', async () => {
    const { phone, accessToken } = await signIn();
    const me = await t.request('GET', '/me', undefined, { cookie: `other=1; ${cookie}=${accessToken}` });
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ sub: `user:${phone}`, phone });
    const typed = await t.request('POST', '/typed', undefined, { cookie: `${cookie}=${accessToken}` });
    expect(typed.body).toEqual({ role: 'admin', phone });
  });

  it('prefers the Authorization header, and refuses a request with neither', async () => {
    const { accessToken } = await signIn();
    const wrongHeader = await t.request('GET', '/me', undefined, {
      authorization: 'Bearer not-a-token',
      cookie: `${cookie}=${accessToken}`,
    });
    expect(wrongHeader.status).toBe(401);
    const none = await t.request('GET', '/me');
    expect(none.status).toBe(401);
    expect(none.body.message).toContain(cookie);
  });
});

describe('startup checks', () => {
  async function bootError(config: Parameters<typeof bootTestApp>[0]): Promise<Error> {
    try {
      const app = await bootTestApp(config);
      await app.close();
    } catch (error) {
      return error as Error;
    }
    throw new Error('the app started');
  }

  it('stops an app whose migrations have not run, naming PHONE_CALL_AUTH_MIGRATIONS', async () => {
    const platform = await FakeSsmsPlatform.start();
    const database = await createTestDatabase({ migrated: false });
    try {
      const error = await bootError({ databaseUrl: database.url, platform, migrationsRun: false });
      expect(error).toBeInstanceOf(PhoneCallAuthConfigError);
      expect(error.message).toContain('phone_call_verification');
      expect(error.message).toContain('PHONE_CALL_AUTH_MIGRATIONS');
    } finally {
      await platform.close();
      await database.drop();
    }
  });

  it('stops an app registered twice instead of misrouting one prefix', async () => {
    const platform = await FakeSsmsPlatform.start();
    const database = await createTestDatabase();
    try {
      const second = PhoneCallAuthModule.forRoot({
        providers: [platform.provider()],
        callbackSecret: 'second-callback-secret-0123456789abcdef0123',
        jwt: { secret: TEST_JWT_SECRET },
        routePrefix: 'kz',
      });
      const error = await bootError({
        databaseUrl: database.url,
        platform,
        extras: { routePrefix: 'ru' },
        imports: [second],
        connect: false,
      });
      expect(error).toBeInstanceOf(PhoneCallAuthConfigError);
      expect(error.message).toContain('registered 2 times');
    } finally {
      await platform.close();
      await database.drop();
    }
  });

  it('tells an app without TypeORM to import TypeOrmModule.forRoot', async () => {
    const platform = await FakeSsmsPlatform.start();
    @Module({
      imports: [
        PhoneCallAuthModule.forRoot({
          providers: [platform.provider()],
          callbackSecret: 'test-callback-secret-0123456789abcdef0123456789',
          jwt: { secret: TEST_JWT_SECRET },
        }),
      ],
    })
    class NoTypeOrmModule {}
    try {
      const error = await NestFactory.create(NoTypeOrmModule, { logger: false, abortOnError: false }).then(
        async (app) => {
          await app.close();
          return new Error('the app started');
        },
        (caught: Error) => caught,
      );
      expect(error).toBeInstanceOf(PhoneCallAuthConfigError);
      expect(error.message).toContain('TypeOrmModule.forRoot');
    } finally {
      await platform.close();
    }
  });
});
