import type { CountryCode } from 'libphonenumber-js/max';
import { type E164, parsePlatformPhone } from '../phone/phone-number.js';
import { TelephonyPlatformException } from './telephony.exceptions.js';
import type { InboundCallReport } from './telephony-provider.interface.js';

/**
 * A number a platform wrote, read in the platform's own format ({@link parsePlatformPhone}, with
 * `country` for a platform whose national form it is): its E.164 form; `undefined` when the platform
 * sent none; `null` when it sent one that is not a number (`anonymous`, `""`, `12345`, a repeated
 * parameter, which `raw === null` stands for).
 */
export function readPlatformNumber(raw: string | null | undefined, country?: CountryCode): E164 | null | undefined {
  if (raw === undefined) return undefined;
  return parsePlatformPhone(raw, country)?.number ?? null;
}

/** What a provider read of one call, numbers as the platform wrote them (`null`: present, but no single value). */
export interface RawCallReport extends Omit<InboundCallReport, 'caller' | 'dialed'> {
  caller?: string | null;
  dialed?: string | null;
}

/**
 * A call report with its numbers read as E.164. A caller that is present but not a number verifies
 * nothing: the report then has no caller and no platform confirmation (recorded `no_caller_id`), and
 * never falls back to the wait id alone. A dialed number that is present but not a number refuses the
 * call (recorded `refused`): a call that names no number would fit a verification of any number.
 */
export function readCallReport(report: RawCallReport, country?: CountryCode): InboundCallReport {
  const { caller: rawCaller, dialed: rawDialed, ...rest } = report;
  const read: InboundCallReport = rest;
  const caller = readPlatformNumber(rawCaller, country);
  const dialed = readPlatformNumber(rawDialed, country);
  if (caller) read.caller = caller;
  if (dialed) read.dialed = dialed;
  if (caller === null) read.confirmedByPlatform = false;
  if (dialed === null) read.refused = true;
  return read;
}

/**
 * The number a platform handed out to call, as E.164.
 * @throws TelephonyPlatformException when it is not a number (the start then fails with 502, or moves on to the next provider)
 */
export function readCallTo(provider: string, raw: string, country?: CountryCode): E164 {
  const callTo = readPlatformNumber(raw, country);
  if (!callTo) throw new TelephonyPlatformException(provider, 'it handed out a number to call that is not valid');
  return callTo;
}
