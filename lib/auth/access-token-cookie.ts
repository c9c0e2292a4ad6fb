/*
 * The access-token cookie (`jwt.cookie`). Written by hand rather than with a cookie library: the
 * module sets and reads one cookie of a fixed shape whose value, a JWT, is base64url and dots
 * only, so it needs no encoding, and the name is checked at startup to be a cookie token.
 */

/** `Set-Cookie` for the access token: HttpOnly, Secure, SameSite=Lax, on the whole site, as long as the token lives. */
export function accessTokenCookie(name: string, token: string, maxAgeSeconds: number): string {
  return `${name}=${token}; Max-Age=${maxAgeSeconds}; Path=/; HttpOnly; Secure; SameSite=Lax`;
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
