import type { PhoneCallAuthMountedRoutes } from '../core/phone-call-auth.constants.js';
import type { RouteFamily } from './client-budget.service.js';

type BudgetedFamily = Exclude<RouteFamily, 'callback'>;

/** Each budgeted route group's paths under the prefix (a regular expression's source), with the family each spends. */
const GROUP_PATHS: Record<string, [BudgetedFamily, string][]> = {
  start: [['start', 'verifications']],
  token: [['poll', 'verifications/[^/]+/token']],
  events: [['poll', 'verifications/[^/]+/events']],
  code: [['poll', 'verifications/[^/]+/code']],
  cancel: [['poll', 'verifications/[^/]+']],
  refresh: [['refresh', 'token/refresh']],
  signOut: [['refresh', 'token/sign-out']],
  account: [
    ['start', 'account/verifications'],
    ['poll', 'account/verifications/[^/]+/token'],
  ],
};

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Which budget a request spends, read from its raw URL before the framework routes it: the
 * mounted groups' paths under the route prefix, after any global prefix of the app, in any case,
 * with or without a trailing slash. Any method: an over-budget client that asks for a method a
 * route does not serve gets 429 instead of 404. A URL it does not recognise (percent-encoded,
 * moved by the app's own `RouterModule`) goes through to the framework, whose guard spends the
 * same budget.
 */
export class BudgetedRoutes {
  private readonly families: [BudgetedFamily, RegExp][] = [];

  constructor({ prefix, groups }: PhoneCallAuthMountedRoutes) {
    const under = prefix ? `/${escape(prefix)}` : '';
    for (const family of ['start', 'poll', 'refresh'] as const) {
      const paths = groups
        .flatMap((group) => GROUP_PATHS[group] ?? [])
        .filter(([spends]) => spends === family)
        .map(([, path]) => path);
      if (paths.length > 0) this.families.push([family, new RegExp(`${under}/(?:${paths.join('|')})/?$`, 'i')]);
    }
  }

  /** The family `url` (the request line's target) spends, if it is one of the module's budgeted routes. */
  familyOf(url: string): BudgetedFamily | undefined {
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    for (const [family, pattern] of this.families) if (pattern.test(path)) return family;
    return undefined;
  }
}
