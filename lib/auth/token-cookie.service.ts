import { Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { ResolvedPhoneCallAuthOptions } from '../options/resolved-options.interface.js';
import { InjectPhoneCallAuthOptions } from '../phone-call-auth.constants.js';
import { accessTokenCookie } from './access-token-cookie.js';
import type { IssuedToken } from './token.service.js';

/** Sets the access-token cookie (`jwt.cookie`) on a response that hands out a token, on any HTTP adapter. */
@Injectable()
export class TokenCookieService {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @InjectPhoneCallAuthOptions() private readonly options: ResolvedPhoneCallAuthOptions,
  ) {}

  /** Returns `token`, having set it as the cookie too when `jwt.cookie` is on. */
  withCookie(response: unknown, token: IssuedToken): IssuedToken {
    const { cookie } = this.options.jwt;
    if (cookie) {
      const value = accessTokenCookie(cookie, token.accessToken, token.expiresIn);
      this.adapterHost.httpAdapter.setHeader(response, 'Set-Cookie', value);
    }
    return token;
  }
}
