import { PhoneCallAuthConfigError } from '../core/phone-call-auth-config.error.js';
import type {
  ClientBudgetRule,
  GlobalBudgetMode,
  GlobalBudgetRule,
  PhoneCallAuthAdmissionOptions,
  PhoneCallAuthClientBudgets,
  PhoneCallAuthFraudGuardOptions,
  PhoneCallAuthLimits,
  PhoneCallAuthRefusalTally,
  RateLimitRule,
} from './limits.options.js';
import { configCount, configKeys, configSeconds } from './option-checks.js';
import { PHONE_CALL_AUTH_DEFAULTS } from './phone-call-auth.defaults.js';
import type { ResolvedFraudGuard, ResolvedLimits } from './resolved-options.interface.js';

const DEFAULTS = PHONE_CALL_AUTH_DEFAULTS.limits;

function rateLimitRule(path: string, rule: RateLimitRule | false | undefined, fallback: RateLimitRule) {
  if (rule === false) return false;
  const resolved = rule ?? fallback;
  if (!Number.isInteger(resolved.limit) || resolved.limit < 1) {
    throw new PhoneCallAuthConfigError(`${path}.limit must be a whole number from 1, or ${path} false.`);
  }
  return {
    limit: resolved.limit,
    windowSeconds: configSeconds(`${path}.windowSeconds`, resolved.windowSeconds, 0, 86400),
  };
}

const GLOBAL_BUDGET_MODES: readonly GlobalBudgetMode[] = ['alarm', 'wall'];

function globalBudget(rule: GlobalBudgetRule | false | undefined): ResolvedLimits['starts']['global'] {
  const resolved = rateLimitRule('limits.starts.global', rule, DEFAULTS.starts.global);
  if (!resolved) return false;
  const mode: GlobalBudgetMode = (rule ? rule.mode : undefined) ?? DEFAULTS.starts.global.mode;
  if (!GLOBAL_BUDGET_MODES.includes(mode)) {
    throw new PhoneCallAuthConfigError(
      `limits.starts.global.mode must be 'alarm' (log and report, starts go on) or 'wall' (429 once spent), got "${String(mode)}".`,
    );
  }
  return { ...resolved, mode };
}

function budgetRule(name: string, rule: ClientBudgetRule | false | undefined, fallback: ClientBudgetRule) {
  if (rule === false) return false;
  const { burst, perSecond } = rule ?? fallback;
  if (!Number.isInteger(burst) || burst < 1 || !(typeof perSecond === 'number' && perSecond > 0)) {
    throw new PhoneCallAuthConfigError(
      `limits.budgets.${name} must be { burst: a whole number from 1, perSecond: a number above 0 }, or false.`,
    );
  }
  return { burst, perSecond };
}

function budgets(given: PhoneCallAuthClientBudgets | false | undefined): ResolvedLimits['budgets'] {
  if (given === false) return false;
  configKeys('limits.budgets', given, Object.keys(DEFAULTS.budgets));
  const fallback = DEFAULTS.budgets;
  return {
    start: budgetRule('start', given?.start, fallback.start),
    poll: budgetRule('poll', given?.poll, fallback.poll),
    refresh: budgetRule('refresh', given?.refresh, fallback.refresh),
    callback: budgetRule('callback', given?.callback, fallback.callback),
    networkFactor: configCount('limits.budgets.networkFactor', given?.networkFactor, fallback.networkFactor),
  };
}

function admission(given: PhoneCallAuthAdmissionOptions | false | undefined): ResolvedLimits['admission'] {
  if (given === false) return false;
  configKeys('limits.admission', given, ['maxConcurrent', ...Object.keys(DEFAULTS.admission)]);
  const fallback = DEFAULTS.admission;
  return {
    maxConcurrent:
      given?.maxConcurrent === undefined
        ? undefined
        : configCount('limits.admission.maxConcurrent', given.maxConcurrent, 1),
    maxQueuedPriority: configCount(
      'limits.admission.maxQueuedPriority',
      given?.maxQueuedPriority,
      fallback.maxQueuedPriority,
    ),
    maxQueuedPolling: configCount(
      'limits.admission.maxQueuedPolling',
      given?.maxQueuedPolling,
      fallback.maxQueuedPolling,
    ),
    queueTimeoutMs: configCount('limits.admission.queueTimeoutMs', given?.queueTimeoutMs, fallback.queueTimeoutMs),
  };
}

function fraudGuard(given: PhoneCallAuthFraudGuardOptions | false | undefined): ResolvedFraudGuard | false {
  if (given === false) return false;
  configKeys('limits.fraudGuard', given, Object.keys(DEFAULTS.fraudGuard));
  const fallback = DEFAULTS.fraudGuard;
  const conversionBelow = given?.conversionBelow ?? fallback.conversionBelow;
  if (typeof conversionBelow !== 'number' || !(conversionBelow > 0 && conversionBelow <= 1)) {
    throw new PhoneCallAuthConfigError(
      `limits.fraudGuard.conversionBelow must be a share above 0 and at most 1 (0.2: under 20% of codes entered), got ${String(conversionBelow)}.`,
    );
  }
  const prefixDigits = given?.prefixDigits ?? fallback.prefixDigits;
  if (!Number.isInteger(prefixDigits) || prefixDigits < 1 || prefixDigits > 8) {
    throw new PhoneCallAuthConfigError(
      `limits.fraudGuard.prefixDigits must be a whole number from 1 to 8, got ${String(prefixDigits)}.`,
    );
  }
  return {
    minSends: configCount('limits.fraudGuard.minSends', given?.minSends, fallback.minSends),
    conversionBelow,
    windowSeconds: configSeconds(
      'limits.fraudGuard.windowSeconds',
      given?.windowSeconds,
      fallback.windowSeconds,
      7 * 86400,
    ),
    blockSeconds: configSeconds(
      'limits.fraudGuard.blockSeconds',
      given?.blockSeconds,
      fallback.blockSeconds,
      30 * 86400,
    ),
    prefixDigits,
  };
}

function refusalTally(given: PhoneCallAuthRefusalTally | false | undefined): ResolvedLimits['refusalTally'] {
  if (given === false) return false;
  configKeys('limits.refusalTally', given, Object.keys(DEFAULTS.refusalTally));
  return {
    maxKeys: configCount('limits.refusalTally.maxKeys', given?.maxKeys, DEFAULTS.refusalTally.maxKeys),
    flushSeconds: configSeconds(
      'limits.refusalTally.flushSeconds',
      given?.flushSeconds,
      DEFAULTS.refusalTally.flushSeconds,
      3600,
    ),
  };
}

/** `limits`, checked group by group, with every default applied. */
export function resolveLimits(limits: PhoneCallAuthLimits | undefined): ResolvedLimits {
  configKeys('limits', limits, Object.keys(DEFAULTS));
  const { starts, sms, waiters } = limits ?? {};
  configKeys('limits.starts', starts, Object.keys(DEFAULTS.starts));
  configKeys('limits.sms', sms, Object.keys(DEFAULTS.sms));
  configKeys('limits.waiters', waiters, Object.keys(DEFAULTS.waiters));
  return {
    starts: {
      perPhone: rateLimitRule('limits.starts.perPhone', starts?.perPhone, DEFAULTS.starts.perPhone),
      perAddress: rateLimitRule('limits.starts.perAddress', starts?.perAddress, DEFAULTS.starts.perAddress),
      perNetwork: rateLimitRule('limits.starts.perNetwork', starts?.perNetwork, DEFAULTS.starts.perNetwork),
      global: globalBudget(starts?.global),
    },
    sms: {
      perPhone: rateLimitRule('limits.sms.perPhone', sms?.perPhone, DEFAULTS.sms.perPhone),
      perAddress: rateLimitRule('limits.sms.perAddress', sms?.perAddress, DEFAULTS.sms.perAddress),
      global: rateLimitRule('limits.sms.global', sms?.global, DEFAULTS.sms.global),
    },
    fraudGuard: fraudGuard(limits?.fraudGuard),
    budgets: budgets(limits?.budgets),
    waiters: {
      perInstance: configCount('limits.waiters.perInstance', waiters?.perInstance, DEFAULTS.waiters.perInstance),
      perVerification: configCount(
        'limits.waiters.perVerification',
        waiters?.perVerification,
        DEFAULTS.waiters.perVerification,
      ),
      perAddress: configCount('limits.waiters.perAddress', waiters?.perAddress, DEFAULTS.waiters.perAddress),
    },
    admission: admission(limits?.admission),
    refusalTally: refusalTally(limits?.refusalTally),
  };
}
