/*
 * What a verification says to people, in one place (a catalogue per language can replace it).
 */

/** What the start message needs. */
export interface StartMessageParts {
  /** The number to call, written for people. */
  callTo: string;
  /** The number being verified, written for people. */
  phone: string;
  windowSeconds: number;
  /** The `siteName` option: the site the person should be signing in on. */
  siteName?: string;
}

/**
 * The text a client shows the person: which number to call, from which phone, how long, that the
 * call is free, and that they should call only if they started the sign-in themselves, so that a
 * page that shows them someone else's verification does not get them to call for it.
 */
export function startMessage({ callTo, phone, windowSeconds, siteName }: StartMessageParts): string {
  return (
    `Call ${callTo} from ${phone} within ${windowSeconds} seconds. ` +
    'The call is free: wait for the busy signal, then hang up (or the call ends by itself). ' +
    (siteName
      ? `Call only if you started signing in on ${siteName}.`
      : 'Call only if you started this sign-in yourself.')
  );
}
