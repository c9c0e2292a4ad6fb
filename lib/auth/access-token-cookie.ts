/*
 * The module's cookies (`jwt.cookie`). Written by hand rather than with a cookie library: the
 * module sets and reads cookies of a fixed shape whose values, a JWT or a base64url refresh token,
 * need no encoding, and whose names are checked at startup to be cookie tokens.
 */

/** `Set-Cookie` for the access token: HttpOnly, Secure, SameSite=Lax, on the whole site, as long as the token lives. */
export function accessTokenCookie(name: string, token: string, maxAgeSeconds: number): string {
  return `${name}=${token}; Max-Age=${maxAgeSeconds}; Path=/; HttpOnly; Secure; SameSite=Lax`;
}

/**
 * `Set-Cookie` for the refresh token: HttpOnly, Secure, SameSite=Strict (never sent with a request
 * another site started, not even a link), and only to `path`, the token routes (refresh, sign-out).
 */
export function refreshTokenCookie(name: string, token: string, maxAgeSeconds: number, path: string): string {
  return `${name}=${token}; Max-Age=${maxAgeSeconds}; Path=${path}; HttpOnly; Secure; SameSite=Strict`;
}

/** The value of cookie `name` in a `Cookie` header, if present. */
export function readCookie(header: unknown, name: string): string | undefined {
  if (typeof header !== 'string') return undefined;
  for (const pair of header.split(';')) {
    const index = pair.indexOf('=');
    if (index > 0 && pair.slice(0, index).trim() === name) return pair.slice(index + 1).trim();
  }
  return undefined;
}

/** The routes that precede the token path in the module's request paths, and what follows it. */
// The account group's token route (`<prefix>/account/verifications/:id/token`) sets them too.
const MODULE_ROUTE = /^(.*?)(?:\/account)?\/(?:verifications\/[^/]+\/(?:token|code)|token\/[^/]+)\/?$/;

/**
 * The path of the token routes (`<global prefix>/<routePrefix>/token`) as the browser sees it, read
 * from the path of a request to one of the module's routes, so an app's global prefix is counted.
 * `/` when the path is not one of them.
 */
export function tokenRoutesPath(requestUrl: string): string {
  const path = requestUrl.split('?')[0];
  const match = MODULE_ROUTE.exec(path);
  // Only URL-safe characters go into a Set-Cookie attribute (no `;`, no blanks).
  return match && /^[A-Za-z0-9\-._~%/]*$/.test(match[1]) ? `${match[1]}/token` : '/';
}
