import { readCookie, tokenRoutesPath } from '../../lib/auth/access-token-cookie.js';

describe('tokenRoutesPath: the refresh cookie is sent to the token routes only', () => {
  const id = '0b6c6f4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b';

  it.each([
    [`/auth/phone-call/verifications/${id}/token`, '/auth/phone-call/token'],
    [`/auth/phone-call/verifications/${id}/token?wait=25`, '/auth/phone-call/token'],
    [`/auth/phone-call/verifications/${id}/code`, '/auth/phone-call/token'],
    ['/auth/phone-call/token/refresh', '/auth/phone-call/token'],
    ['/auth/phone-call/token/sign-out', '/auth/phone-call/token'],
    // A change of number in cookie mode: its new family's cookie goes where refresh reads it.
    [`/auth/phone-call/account/verifications/${id}/token`, '/auth/phone-call/token'],
    // An app's global prefix (app.setGlobalPrefix('api')) and its own routePrefix are counted.
    [`/api/v1/login/verifications/${id}/token`, '/api/v1/login/token'],
  ])('%s -> %s', (url, path) => {
    expect(tokenRoutesPath(url)).toBe(path);
  });

  it.each([['/me'], ['/auth;x=1/token/refresh'], ['/a b/token/refresh']])(
    'falls back to / for a path that is not one of the routes, or would not fit a cookie (%s)',
    (url) => {
      expect(tokenRoutesPath(url)).toBe('/');
    },
  );
});

describe('readCookie', () => {
  it('finds a cookie among others, and nothing in what is not a header', () => {
    expect(readCookie('a=1; pc_token=x.y.z; b=2', 'pc_token')).toBe('x.y.z');
    expect(readCookie('pc_token_refresh=r', 'pc_token')).toBeUndefined();
    expect(readCookie(['pc_token=x'], 'pc_token')).toBeUndefined();
  });
});
