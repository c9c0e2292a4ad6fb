import { phoneCallAuthCallbackUrls } from 'nestjs-phone-call-auth';
import { loadSampleConfig } from './sample.config.js';
import { createSampleProviders, sampleRouting } from './sample.platforms.js';
import { ROUTE_PREFIX } from './sample.constants.js';

/**
 * `npm run callback-urls`: prints, for the platforms in the environment (PHONE_CALL_PROVIDERS and
 * their credentials, PHONE_CALL_CALLBACK_SECRET, PHONE_CALL_PUBLIC_BASE_URL), the callback URL to paste
 * into each platform's account. Each holds that platform's own secret: it goes to this terminal
 * only, never to the app's log.
 */
const WHERE: Record<string, string> = {
  ssms: 'SSMS: Settings -> API and integration -> incoming call notifications',
  'sms-ru': 'sms.ru: the callback handler of the account',
  newtel: 'New-Tel: nothing to set, every start sends it',
  twilio: 'Twilio: each pool number\'s "A call comes in" webhook (HTTP POST)',
};

const config = loadSampleConfig();
if (config.platforms.length === 0) {
  process.stderr.write('No platform is configured (PHONE_CALL_PROVIDERS): the fake platform needs no callback URL.\n');
  process.exit(1);
}
if (config.callbackSecretGenerated) {
  process.stderr.write('Set PHONE_CALL_CALLBACK_SECRET first (openssl rand -hex 32): the URLs are derived from it.\n');
  process.exit(1);
}
const urls = phoneCallAuthCallbackUrls(
  {
    providers: createSampleProviders(config),
    routing: sampleRouting(config.platforms),
    publicBaseUrl: config.publicBaseUrl,
    callbackSecret: config.callbackSecret,
    jwt: { secret: config.jwtSecret },
  },
  ROUTE_PREFIX,
);
const base = config.publicBaseUrl ?? 'https://<your host>';
for (const { provider, path, unnamedPath } of urls) {
  process.stdout.write(`${WHERE[provider] ?? provider}:\n  ${base}${unnamedPath ?? path}\n`);
}
