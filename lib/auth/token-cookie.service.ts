import { Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { ResolvedJwtOptions } from '../options/resolved-options.interface.js';
import { InjectPhoneCallAuthOptions } from '../options/option-slices.js';
import { accessTokenCookie, readCookie, refreshTokenCookie, tokenRoutesPath } from './access-token-cookie.js';
import type { IssuedToken } from './token.service.js';

/** A token answer in cookie mode when `jwt.tokensInBody` is false: the tokens are in the cookies only. */
export interface CookieSignIn {
  /** Seconds until the access token (and its cookie) expires. */
  expiresIn: number;
}

/** The request as every HTTP adapter gives it: its headers (`Cookie`) and, through the adapter, its URL. */
interface CookieRequest {
  headers: Record<string, unknown>;
}

/**
 * The cookies of cookie mode (`jwt.cookie`), on any HTTP adapter: sets them on the answers that
 * hand out tokens, reads the refresh token back, and expires both on sign-out. Without `jwt.cookie`
 * it sets nothing and the answers carry the tokens as before.
 */
@Injectable()
export class TokenCookieService {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @InjectPhoneCallAuthOptions('jwt') private readonly jwt: ResolvedJwtOptions,
  ) {}

  /**
   * The body of a token answer, having set the tokens as cookies in cookie mode: the access token
   * for the whole site, the refresh token (if any) for the token routes only. Without
   * `jwt.tokensInBody` the body then carries neither token.
   */
  answer(request: CookieRequest, response: unknown, token: IssuedToken): IssuedToken | CookieSignIn {
    const { cookie, refreshCookie, refreshTokens, tokensInBody } = this.jwt;
    if (cookie) {
      this.setCookie(response, accessTokenCookie(cookie, token.accessToken, token.expiresIn));
      if (token.refreshToken !== undefined && refreshCookie) {
        const path = this.tokenRoutesPath(request);
        this.setCookie(
          response,
          refreshTokenCookie(refreshCookie, token.refreshToken, refreshTokens.lifetimeSeconds, path),
        );
      }
    }
    return tokensInBody ? token : { expiresIn: token.expiresIn };
  }

  /** The refresh token of the refresh-token cookie, in cookie mode. */
  refreshTokenOf(request: CookieRequest): string | undefined {
    const { refreshCookie } = this.jwt;
    return refreshCookie ? readCookie(request.headers.cookie, refreshCookie) : undefined;
  }

  /** Expires both cookies (same names, paths and attributes, `Max-Age=0`), in cookie mode. */
  clear(request: CookieRequest, response: unknown): void {
    const { cookie, refreshCookie } = this.jwt;
    if (cookie) this.setCookie(response, accessTokenCookie(cookie, '', 0));
    if (refreshCookie)
      this.setCookie(response, refreshTokenCookie(refreshCookie, '', 0, this.tokenRoutesPath(request)));
  }

  private tokenRoutesPath(request: CookieRequest): string {
    return tokenRoutesPath(String(this.adapterHost.httpAdapter.getRequestUrl(request) ?? ''));
  }

  private setCookie(response: unknown, value: string): void {
    this.adapterHost.httpAdapter.appendHeader(response, 'Set-Cookie', value);
  }
}
