/*
 * The texts of the module's error answers, per locale: part of the catalogue (`PhoneCallAuthMessages`,
 * overridable with the `messages` option), kept in a file of their own. Each is the `message` of
 * one cause of an error `code`. Placeholders: `{seconds}` (until the client may retry), `{details}`
 * (what class-validator found, in English), `{max}`, `{country}` (`defaultCountry`), `{countries}`,
 * `{accepted}` and `{type}` (number types), `{channel}`, `{channels}`, `{provider}`, `{attempts}`
 * (tries left), `{limit}` (a waiter limit), `{cookie}` (the access-token cookie's name).
 */

/** The texts of the error answers ({@link PHONE_CALL_AUTH_ERROR_MESSAGES}). */
export interface PhoneCallAuthErrorMessages {
  /** `INVALID_REQUEST`: the body or a parameter is malformed; `{details}` says which field, in English. */
  invalidRequest: string;
  /** `INVALID_REQUEST`: the verification id in the URL is not a UUID. */
  invalidVerificationId: string;
  /** `INVALID_REQUEST`: no verification secret in the body or the header. */
  secretRequired: string;
  /** `INVALID_REQUEST`: `?wait=` is not a whole number of seconds from 0 to `{max}`. */
  waitInvalid: string;
  /** `INVALID_REQUEST`: no refresh token in the body or the cookie. */
  refreshTokenRequired: string;
  /** `INVALID_PHONE` (`{country}`: how a number without a country code is read). */
  invalidPhone: string;
  /** `NUMBER_TYPE_REFUSED`: an international service number (no country), `phonePolicy.nonGeographic` off. */
  nonGeographicRefused: string;
  /** `NUMBER_TYPE_REFUSED`: a number of a type (`{type}`) outside `phonePolicy.numberTypes` (`{accepted}`). */
  numberTypeRefused: string;
  /** `NUMBER_TYPE_REFUSED`: a number whose type cannot be told, `phonePolicy.numberTypes` set (`{accepted}`). */
  numberTypeUnknown: string;
  /** `NUMBER_TYPE_REFUSED`: not a mobile number, `phonePolicy.mobileOnly` on. */
  mobileOnly: string;
  /** `COUNTRY_REFUSED` (`{countries}`: `phonePolicy.countries`). */
  countryRefused: string;
  /** `CHANNEL_NOT_OFFERED`: `{channel}` is not in `channels` (`{channels}`). */
  channelNotOffered: string;
  /** `CHANNEL_NOT_OFFERED`: `{channel}` needs SMS, which the platform `{provider}` cannot send. */
  channelNoSms: string;
  /** `CHANNEL_NOT_SERVED`: no provider of this number's country sends SMS. */
  channelNotServed: string;
  /** `UNAUTHORIZED`: an unknown verification or a wrong secret (one text for both). */
  unknownVerification: string;
  /** `WRONG_CODE`, `{attempts}` tries left (more than one). */
  wrongCode: string;
  /** `WRONG_CODE`, one try left. */
  wrongCodeLastTry: string;
  /** `CODE_NOT_SENT`. */
  codeNotSent: string;
  /** `EXPIRED`. */
  verificationExpired: string;
  /** `CANCELED`. */
  verificationCanceled: string;
  /** `ALREADY_REDEEMED` of the token route. */
  verificationConsumed: string;
  /** `TOO_MANY_ATTEMPTS` of the token route. */
  verificationFailed: string;
  /** `TOO_MANY_ATTEMPTS` of the code route. */
  tooManyWrongCodes: string;
  /** `ALREADY_VERIFIED` (or `ALREADY_REDEEMED`) of the code route: the call proved the number first. */
  provenByCall: string;
  /** `ALREADY_REDEEMED` of the code route: a concurrent request took the token. */
  alreadyRedeemed: string;
  /** `ACCESS_TOKEN_MISSING`. */
  accessTokenMissing: string;
  /** `ACCESS_TOKEN_MISSING` in cookie mode (`{cookie}`). */
  accessTokenMissingOrCookie: string;
  /** `ACCESS_TOKEN_INVALID`: longer than any token the module issues. */
  accessTokenTooLong: string;
  /** `ACCESS_TOKEN_INVALID`. */
  accessTokenInvalid: string;
  /** `ACCESS_TOKEN_EXPIRED`. */
  accessTokenExpired: string;
  /** `REFRESH_TOKEN_REFUSED`. */
  refreshTokenRefused: string;
  /** `REFRESH_TOKENS_OFF`. */
  refreshTokensOff: string;
  /** `INSUFFICIENT_USER_AUTHENTICATION`: the proof is older than the route's `{seconds}`. */
  authenticationTooOld: string;
  /** `SUBJECT_MISMATCH`: the verification was started by another signed-in person, or by none. */
  subjectMismatch: string;
  /** `SUBJECT_MISMATCH`: the proven number belongs to another account (`resolveSubject`). */
  numberOfAnotherAccount: string;
  /** `VERIFICATION_NOT_FOUND`: the support history of a verification that is not kept. */
  verificationNotFound: string;
  /** `RATE_LIMITED`: `rateLimits.perPhone`. */
  rateLimitedPhone: string;
  /** `RATE_LIMITED`: `rateLimits.perIp`. */
  rateLimitedAddress: string;
  /** `RATE_LIMITED`: `rateLimits.perSubnet`. */
  rateLimitedNetwork: string;
  /** `RATE_LIMITED`: `rateLimits.global`. */
  rateLimitedGlobal: string;
  /** `RATE_LIMITED`: `smsLimits.perPhone`. */
  smsLimitedPhone: string;
  /** `RATE_LIMITED`: `smsLimits.perIp`. */
  smsLimitedAddress: string;
  /** `RATE_LIMITED`: `smsLimits.global`. */
  smsLimitedGlobal: string;
  /** `SMS_PREFIX_BLOCKED`: the fraud guard blocks SMS to numbers like this one; the call is offered. */
  smsPrefixBlocked: string;
  /** `SMS_PREFIX_BLOCKED`, when the app offers no call (`channels` without `call`). */
  smsPrefixBlockedNoCall: string;
  /** `RATE_LIMITED` of a limit not named above. */
  rateLimited: string;
  /** `CLIENT_BUDGET_EXCEEDED`. */
  clientBudgetExceeded: string;
  /** `TOO_MANY_WAITERS`: `maxWaitersPerVerification` (`{limit}`). */
  tooManyWaitersVerification: string;
  /** `TOO_MANY_WAITERS`: `maxWaitersPerAddress` (`{limit}`). */
  tooManyWaitersAddress: string;
  /** `SERVER_BUSY`: `maxWaiters` (`{limit}`). */
  waitersFull: string;
  /** `DATABASE_BUSY`. */
  databaseBusy: string;
  /** `DATABASE_UNAVAILABLE`. */
  databaseUnavailable: string;
  /** `PLATFORM_UNAVAILABLE` and `PLATFORM_TIMEOUT`: no platform text, code, URL or address (those are logged). */
  platformUnavailable: string;
}

/** The built-in texts of the error answers. */
export const PHONE_CALL_AUTH_ERROR_MESSAGES: Readonly<Record<'ru' | 'en', Readonly<PhoneCallAuthErrorMessages>>> = {
  en: {
    invalidRequest: 'The request is not valid: {details}',
    invalidVerificationId: 'The verification id in the URL must be the UUID returned when it started.',
    secretRequired:
      'secret is required: send the secret returned when the verification started, as {"secret": "..."} in a ' +
      'JSON body or in the X-Verification-Secret header.',
    waitInvalid: 'wait must be a whole number of seconds from 0 to {max}, e.g. ?wait=25, given once.',
    refreshTokenRequired:
      'refreshToken is required: send {"refreshToken": "..."} from the last token answer (in cookie mode, the ' +
      'refresh-token cookie carries it).',
    invalidPhone:
      'phone is not a valid phone number: write digits, in international form, e.g. +7 967 031-11-22 (numbers ' +
      'without a country code are read as {country}).',
    nonGeographicRefused:
      'phone must be the number of a phone in a country: international service numbers (+800, +808, +870, +881, ' +
      '+882, +883, +979 and the like) cannot be verified here.',
    numberTypeRefused: 'phone must be a {accepted} number; this one is a {type} number, which cannot be verified here.',
    numberTypeUnknown:
      'phone must be a {accepted} number; this one is a number of a kind that cannot be told, which cannot be ' +
      'verified here.',
    mobileOnly: 'phone must be a mobile number: only mobile numbers can be verified here.',
    countryRefused: 'phone must be a number of {countries}.',
    channelNotOffered: 'channel {channel} is not offered here; ask for {channels}.',
    channelNoSms: 'channel {channel} is not available: this platform ({provider}) cannot send SMS; ask for {channels}.',
    channelNotServed: 'channel {channel} is not served for this number: use channel call.',
    unknownVerification: 'Unknown verification or wrong secret.',
    wrongCode: 'Wrong code; {attempts} tries left.',
    wrongCodeLastTry: 'Wrong code; 1 try left.',
    codeNotSent: 'No code was sent for this verification: it is proven by a call.',
    verificationExpired: 'This verification is expired; start a new one.',
    verificationCanceled: 'This verification is canceled; start a new one.',
    verificationConsumed: 'This verification is consumed; start a new one.',
    verificationFailed: 'This verification is failed; start a new one.',
    tooManyWrongCodes: 'Too many wrong codes: this verification failed; start a new one.',
    provenByCall: 'This verification was already proven by the call; the code is no longer needed.',
    alreadyRedeemed: 'This verification was already redeemed.',
    accessTokenMissing: 'Send the access token as "Authorization: Bearer <token>".',
    accessTokenMissingOrCookie: 'Send the access token as "Authorization: Bearer <token>" or in the {cookie} cookie.',
    accessTokenTooLong: 'The access token is too long.',
    accessTokenInvalid: 'The access token is not valid; verify the phone number again to get a new one.',
    accessTokenExpired: 'The access token has expired; verify the phone number again to get a new one.',
    refreshTokenRefused:
      'The refresh token is not valid (unknown, already used, revoked or expired); verify the phone number again.',
    refreshTokensOff: 'Refresh tokens are not enabled on this server (jwt.refreshTokens).',
    authenticationTooOld:
      'This action needs your number proven within the last {seconds} seconds: prove it again (a call or a code), then retry.',
    subjectMismatch:
      'This verification was started for another signed-in person (or without signing in): redeem it with the ' +
      'access token of the person who started it.',
    numberOfAnotherAccount: 'This number belongs to another account.',
    verificationNotFound: 'No verification with this id is kept: it is unknown, or was purged after the retention.',
    rateLimitedPhone: 'Too many verifications for this phone number; try again in {seconds} seconds.',
    rateLimitedAddress: 'Too many verifications from this address; try again in {seconds} seconds.',
    rateLimitedNetwork: 'Too many verifications from this network; try again in {seconds} seconds.',
    rateLimitedGlobal: 'Too many verifications right now; try again in {seconds} seconds.',
    smsLimitedPhone: 'Too many verifications by SMS for this phone number; try again in {seconds} seconds.',
    smsLimitedAddress: 'Too many verifications by SMS from this address; try again in {seconds} seconds.',
    smsLimitedGlobal: 'Too many verifications by SMS right now; try again in {seconds} seconds.',
    smsPrefixBlocked:
      'Codes by SMS cannot be sent to numbers like this one right now; verify the number by a call instead ' +
      '(channel call).',
    smsPrefixBlockedNoCall:
      'Codes by SMS cannot be sent to numbers like this one right now; try again in {seconds} seconds.',
    rateLimited: 'Too many verifications; try again in {seconds} seconds.',
    clientBudgetExceeded: 'Too many requests from your network; try again in {seconds} seconds.',
    tooManyWaitersVerification:
      'Too many requests are waiting for this verification ({limit}); close one, or poll without wait.',
    tooManyWaitersAddress:
      'Too many requests are waiting from your address ({limit}); close one, or poll without wait.',
    waitersFull: 'Too many requests are waiting on this server ({limit}); try again shortly, or poll without wait.',
    databaseBusy: 'The server is busy right now; try again in {seconds} seconds.',
    databaseUnavailable: 'The database is unavailable right now; try again in a few seconds.',
    platformUnavailable: 'The telephony platform is unavailable; try again later.',
  },
  ru: {
    invalidRequest: 'Запрос составлен неверно: {details}',
    invalidVerificationId: 'Идентификатор проверки в адресе должен быть UUID, полученным при её начале.',
    secretRequired:
      'Нужен secret: отправьте секрет, полученный при начале проверки, в теле JSON как {"secret": "..."} ' +
      'или в заголовке X-Verification-Secret.',
    waitInvalid: 'wait должен быть целым числом секунд от 0 до {max}, например ?wait=25, и указан один раз.',
    refreshTokenRequired:
      'Нужен refreshToken: отправьте {"refreshToken": "..."} из последнего ответа с токеном (в режиме cookie его ' +
      'передаёт cookie refresh-токена).',
    invalidPhone:
      'Это не номер телефона: напишите его цифрами в международном формате, например +7 967 031-11-22 (номер ' +
      'без кода страны читается как номер страны {country}).',
    nonGeographicRefused:
      'Нужен номер телефона в какой-либо стране: международные служебные номера (+800, +808, +870, +881, ' +
      '+882, +883, +979 и подобные) здесь подтвердить нельзя.',
    numberTypeRefused: 'Здесь можно подтвердить только такие номера: {accepted}; этот номер — {type}.',
    numberTypeUnknown:
      'Здесь можно подтвердить только такие номера: {accepted}; тип этого номера определить нельзя, поэтому ' +
      'подтвердить его нельзя.',
    mobileOnly: 'Нужен номер мобильного телефона: здесь можно подтвердить только мобильные номера.',
    countryRefused: 'Здесь можно подтвердить только номера этих стран: {countries}.',
    channelNotOffered: 'Способ {channel} здесь недоступен; выберите {channels}.',
    channelNoSms: 'Способ {channel} недоступен: эта платформа ({provider}) не отправляет SMS; выберите {channels}.',
    channelNotServed: 'Способ {channel} недоступен для этого номера: выберите call.',
    unknownVerification: 'Проверка не найдена или секрет неверен.',
    wrongCode: 'Неверный код; осталось попыток: {attempts}.',
    wrongCodeLastTry: 'Неверный код; осталась одна попытка.',
    codeNotSent: 'Для этой проверки код не отправлялся: номер подтверждается звонком.',
    verificationExpired: 'Время этой проверки истекло; начните новую.',
    verificationCanceled: 'Эта проверка отменена; начните новую.',
    verificationConsumed: 'Эта проверка уже использована; начните новую.',
    verificationFailed: 'Эта проверка не удалась; начните новую.',
    tooManyWrongCodes: 'Слишком много неверных кодов: проверка не удалась; начните новую.',
    provenByCall: 'Номер уже подтверждён звонком; код больше не нужен.',
    alreadyRedeemed: 'Токен по этой проверке уже выдан.',
    accessTokenMissing: 'Отправьте токен доступа в заголовке "Authorization: Bearer <token>".',
    accessTokenMissingOrCookie:
      'Отправьте токен доступа в заголовке "Authorization: Bearer <token>" или в cookie {cookie}.',
    accessTokenTooLong: 'Токен доступа слишком длинный.',
    accessTokenInvalid: 'Токен доступа недействителен; подтвердите номер снова, чтобы получить новый.',
    accessTokenExpired: 'Срок токена доступа истёк; подтвердите номер снова, чтобы получить новый.',
    refreshTokenRefused:
      'Refresh-токен недействителен (неизвестен, уже использован, отозван или истёк); подтвердите номер снова.',
    refreshTokensOff: 'Refresh-токены на этом сервере не включены (jwt.refreshTokens).',
    authenticationTooOld:
      'Для этого действия номер нужно подтвердить не раньше чем {seconds} сек. назад: подтвердите его снова ' +
      '(звонком или кодом) и повторите.',
    subjectMismatch:
      'Эта проверка начата для другого вошедшего пользователя (или без входа): завершите её с токеном доступа того, ' +
      'кто её начал.',
    numberOfAnotherAccount: 'Этот номер принадлежит другой учётной записи.',
    verificationNotFound: 'Проверки с таким id нет: id неизвестен, или запись удалена по истечении срока хранения.',
    rateLimitedPhone: 'Слишком много проверок этого номера; попробуйте снова через {seconds} сек.',
    rateLimitedAddress: 'Слишком много проверок с этого адреса; попробуйте снова через {seconds} сек.',
    rateLimitedNetwork: 'Слишком много проверок из этой сети; попробуйте снова через {seconds} сек.',
    rateLimitedGlobal: 'Сейчас слишком много проверок; попробуйте снова через {seconds} сек.',
    smsLimitedPhone: 'Слишком много проверок этого номера по SMS; попробуйте снова через {seconds} сек.',
    smsLimitedAddress: 'Слишком много проверок по SMS с этого адреса; попробуйте снова через {seconds} сек.',
    smsLimitedGlobal: 'Сейчас слишком много проверок по SMS; попробуйте снова через {seconds} сек.',
    smsPrefixBlocked:
      'Сейчас нельзя отправить код по SMS на номера вроде этого; подтвердите номер звонком (способ call).',
    smsPrefixBlockedNoCall:
      'Сейчас нельзя отправить код по SMS на номера вроде этого; попробуйте снова через {seconds} сек.',
    rateLimited: 'Слишком много проверок; попробуйте снова через {seconds} сек.',
    clientBudgetExceeded: 'Слишком много запросов из вашей сети; попробуйте снова через {seconds} сек.',
    tooManyWaitersVerification:
      'Этой проверки уже ждёт слишком много запросов ({limit}); закройте один или опрашивайте без wait.',
    tooManyWaitersAddress:
      'С вашего адреса уже ждёт слишком много запросов ({limit}); закройте один или опрашивайте без wait.',
    waitersFull: 'На этом сервере уже ждёт слишком много запросов ({limit}); попробуйте чуть позже или без wait.',
    databaseBusy: 'Сервер сейчас занят; попробуйте снова через {seconds} сек.',
    databaseUnavailable: 'База данных сейчас недоступна; попробуйте снова через несколько секунд.',
    platformUnavailable: 'Телефонная платформа недоступна; попробуйте позже.',
  },
};

/**
 * Words that error texts list (`{accepted}`, `{type}`, `{channels}`): number types, in each
 * locale, and the word that joins the last two. A word not here (a channel's name) is written as it is.
 */
export const PHONE_CALL_AUTH_ERROR_WORDS: Readonly<Record<'ru' | 'en', Readonly<Record<string, string>>>> = {
  en: {
    or: 'or',
    MOBILE: 'mobile',
    FIXED_LINE: 'landline',
    PREMIUM_RATE: 'premium-rate',
    TOLL_FREE: 'toll-free',
    SHARED_COST: 'shared-cost',
    VOIP: 'VoIP',
    PERSONAL_NUMBER: 'personal',
    PAGER: 'pager',
    UAN: 'UAN',
    VOICEMAIL: 'voicemail',
  },
  ru: {
    or: 'или',
    MOBILE: 'мобильный',
    FIXED_LINE: 'городской',
    PREMIUM_RATE: 'платный',
    TOLL_FREE: 'бесплатный для звонящего',
    SHARED_COST: 'с разделённой оплатой',
    VOIP: 'VoIP',
    PERSONAL_NUMBER: 'персональный',
    PAGER: 'пейджер',
    UAN: 'UAN',
    VOICEMAIL: 'голосовая почта',
  },
};
