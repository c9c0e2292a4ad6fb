import {
  NewTelProvider,
  type PhoneCallAuthRouting,
  SmsRuProvider,
  SsmsProvider,
  type TelephonyProvider,
  TwilioVoiceProvider,
} from 'nestjs-phone-call-auth';

/** The platforms the sample app can use, by the names PHONE_CALL_PROVIDERS takes (the providers' own names). */
export const SAMPLE_PLATFORMS = ['ssms', 'sms-ru', 'newtel', 'twilio'] as const;

export type SamplePlatform = (typeof SAMPLE_PLATFORMS)[number];

/** Platforms for Russian numbers; with Twilio beside them, the others go to Twilio. */
const RUSSIAN_PLATFORMS: readonly SamplePlatform[] = ['ssms', 'sms-ru', 'newtel'];

/** The platforms the sample app uses and their credentials, read from the environment. */
export interface SamplePlatforms {
  /**
   * From PHONE_CALL_PROVIDERS (comma-separated, in order of preference); unset: `ssms` when SSMS
   * credentials are set. Empty: the fake SSMS platform, started in-process.
   */
  platforms: SamplePlatform[];
  /** SSMS_API_KEY, or SSMS_EMAIL and SSMS_PASSWORD; SSMS_API_URL. */
  ssms?: { baseUrl?: string; apiKey?: string; email?: string; password?: string };
  /** SMS_RU_API_ID; SMS_RU_API_URL. */
  smsRu?: { apiId: string; baseUrl?: string };
  /** NEWTEL_ACCESS_KEY and NEWTEL_SIGNATURE_KEY; NEWTEL_API_URL. */
  newTel?: { accessKey: string; signatureKey: string; baseUrl?: string };
  /** TWILIO_AUTH_TOKEN and TWILIO_NUMBERS (the number pool, comma-separated E.164); TWILIO_SHARED_KEY_SECRETS. */
  twilio?: { authToken: string; numbers: string[]; sharedKeySecrets?: string[] };
  /** From PHONE_CALL_PUBLIC_BASE_URL: the URL the platforms call the app at; needed by newtel and twilio. */
  publicBaseUrl?: string;
}

/** What each platform needs from the environment, by variable, with what to put there. */
const REQUIRED: Record<Exclude<SamplePlatform, 'ssms'>, Array<[name: string, meaning: string]>> = {
  'sms-ru': [['SMS_RU_API_ID', 'the api_id of the sms.ru account']],
  newtel: [
    ['NEWTEL_ACCESS_KEY', 'the access key of the New-Tel API key'],
    ['NEWTEL_SIGNATURE_KEY', 'the signature key of the same API key'],
  ],
  twilio: [
    ['TWILIO_AUTH_TOKEN', 'the auth token of the Twilio account'],
    ['TWILIO_NUMBERS', 'the pool of Twilio numbers, comma-separated E.164'],
  ],
};

const PUBLIC_URL: [string, string] = [
  'PHONE_CALL_PUBLIC_BASE_URL',
  'the URL the platforms call this app at, e.g. https://api.example.com (newtel and twilio need it)',
];

/** A set variable's value; blank counts as unset. */
function value(env: NodeJS.ProcessEnv, name: string): string | undefined {
  return env[name]?.trim() || undefined;
}

/** The SSMS credentials, if set; only one of email and password is an error. */
function ssmsCredentials(env: NodeJS.ProcessEnv): SamplePlatforms['ssms'] {
  const [apiKey, email, password] = ['SSMS_API_KEY', 'SSMS_EMAIL', 'SSMS_PASSWORD'].map((name) => value(env, name));
  if (!apiKey && !!email !== !!password) {
    throw new Error(
      'Set both SSMS_EMAIL and SSMS_PASSWORD, or SSMS_API_KEY, or none of them to use the fake platform.',
    );
  }
  return apiKey || (email && password) ? { baseUrl: value(env, 'SSMS_API_URL'), apiKey, email, password } : undefined;
}

/** PHONE_CALL_PROVIDERS as names, each once, in order; an unknown name is an error that lists the known ones. */
function platformNames(listed: string): SamplePlatform[] {
  const names = listed.split(',').map((name) => name.trim().toLowerCase());
  const unknown = names.filter((name) => !(SAMPLE_PLATFORMS as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new Error(
      `PHONE_CALL_PROVIDERS must list platforms among ${SAMPLE_PLATFORMS.join(', ')} (comma-separated), got "${listed}".`,
    );
  }
  return [...new Set(names)] as SamplePlatform[];
}

/** The pool, each number in E.164. */
function twilioNumbers(listed: string): string[] {
  const numbers = listed.split(',').map((number) => number.trim());
  if (numbers.some((number) => !/^\+[1-9]\d{6,14}$/.test(number))) {
    throw new Error(
      `TWILIO_NUMBERS must be Twilio numbers in E.164, comma-separated (e.g. +14155550100), got "${listed}".`,
    );
  }
  return numbers;
}

function publicBaseUrl(listed: string | undefined): string | undefined {
  if (listed === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(listed);
  } catch {
    url = undefined;
  }
  if (!url || !['http:', 'https:'].includes(url.protocol)) {
    throw new Error(
      `PHONE_CALL_PUBLIC_BASE_URL must be an http(s) URL such as https://api.example.com, got "${listed}".`,
    );
  }
  return listed;
}

/**
 * Reads which platforms to use and their credentials. A platform listed without its credentials
 * fails with a message that names every variable missing and what to put in it.
 */
export function loadSamplePlatforms(env: NodeJS.ProcessEnv): SamplePlatforms {
  const ssms = ssmsCredentials(env);
  const listed = value(env, 'PHONE_CALL_PROVIDERS');
  const platforms = listed ? platformNames(listed) : ssms ? (['ssms'] as SamplePlatform[]) : [];
  const missing: Array<[string, string]> = [];
  if (platforms.includes('ssms') && !ssms) {
    missing.push(['SSMS_API_KEY', 'the API key of the SSMS account (or set SSMS_EMAIL and SSMS_PASSWORD)']);
  }
  for (const platform of platforms) {
    if (platform === 'ssms') continue;
    missing.push(...REQUIRED[platform].filter(([name]) => !value(env, name)));
  }
  if (platforms.some((platform) => platform === 'newtel' || platform === 'twilio') && !value(env, PUBLIC_URL[0])) {
    missing.push(PUBLIC_URL);
  }
  if (missing.length > 0) {
    throw new Error(
      `PHONE_CALL_PROVIDERS is "${platforms.join(',')}", but ${missing.map(([name]) => name).join(', ')} ` +
        `${missing.length === 1 ? 'is' : 'are'} not set. Set ${missing.map(([name, meaning]) => `${name} to ${meaning}`).join('; ')}.`,
    );
  }
  const has = (platform: SamplePlatform) => platforms.includes(platform);
  return {
    platforms,
    ssms: has('ssms') ? ssms : undefined,
    smsRu: has('sms-ru') ? { apiId: value(env, 'SMS_RU_API_ID')!, baseUrl: value(env, 'SMS_RU_API_URL') } : undefined,
    newTel: has('newtel')
      ? {
          accessKey: value(env, 'NEWTEL_ACCESS_KEY')!,
          signatureKey: value(env, 'NEWTEL_SIGNATURE_KEY')!,
          baseUrl: value(env, 'NEWTEL_API_URL'),
        }
      : undefined,
    twilio: has('twilio')
      ? {
          authToken: value(env, 'TWILIO_AUTH_TOKEN')!,
          numbers: twilioNumbers(value(env, 'TWILIO_NUMBERS')!),
          sharedKeySecrets: value(env, 'TWILIO_SHARED_KEY_SECRETS')
            ?.split(',')
            .map((secret) => secret.trim())
            .filter(Boolean),
        }
      : undefined,
    publicBaseUrl: publicBaseUrl(value(env, PUBLIC_URL[0])),
  };
}

/** The adapters of the configured platforms, in the order of PHONE_CALL_PROVIDERS. */
export function createSampleProviders(settings: SamplePlatforms): TelephonyProvider[] {
  return settings.platforms.map((platform): TelephonyProvider => {
    switch (platform) {
      case 'ssms':
        return new SsmsProvider(settings.ssms!);
      case 'sms-ru':
        return new SmsRuProvider(settings.smsRu!);
      case 'newtel':
        return new NewTelProvider(settings.newTel!);
      case 'twilio':
        return new TwilioVoiceProvider(settings.twilio!);
    }
  });
}

/**
 * Routing by the phone's country where it makes sense: with Twilio and a Russian platform, Russian
 * numbers go to the Russian platforms (in the order listed, the next one on 502/504) and every
 * other number to Twilio. Otherwise every number goes to every platform, in the order listed.
 */
export function sampleRouting(platforms: SamplePlatform[]): PhoneCallAuthRouting | undefined {
  const russian = platforms.filter((platform) => RUSSIAN_PLATFORMS.includes(platform));
  if (!platforms.includes('twilio') || russian.length === 0) return undefined;
  return { byCountry: { RU: russian }, default: ['twilio'] };
}

/** Whether the platforms can send SMS codes: only SSMS can (and the fake SSMS platform, used when none is listed). */
export function sendsSms(platforms: SamplePlatform[]): boolean {
  return platforms.length === 0 || platforms.includes('ssms');
}
