/* global document, fetch, navigator, performance, setTimeout, clearTimeout, setInterval, clearInterval */
/*
 * The sign-in page: start a verification by a call, by an SMS code or by either (the channels the
 * app offers, from /page-config), show the number to call and/or a code field with a countdown,
 * poll the token route every 2 s (a call) or send the code (SMS), then show who /me says you are.
 * Plain browser JavaScript, served as is.
 *
 * Every text comes from the ru/en catalogue below, in the language of the switch (at first the
 * browser's: Russian for ru, else English), and the start sends that language as `locale`, so the
 * module's message and the SMS come in it too. Each text on the page is remembered as a key and
 * its values, so switching the language re-renders whatever step the page is on.
 *
 * In cookie mode (the app sets PHONE_CALL_JWT_COOKIE) the token route also sets the access token
 * as an HttpOnly cookie: the page then never keeps the token, and /me gets the cookie instead.
 *
 * Signed in, the page offers two flows of a signed-in person, through the module's account routes
 * (a verification bound to the signed-in subject): "Confirm a payment", whose route needs a proof
 * from the last minutes and answers an older one with RFC 9470's challenge, which the page meets by
 * proving the same number again (step-up) and retrying, without signing out; and "Change my
 * number", which proves a new number and moves the account to it.
 */

const POLL_MS = 2000;
/** After the countdown ends, the server has this long to say "expired" before the page says it. */
const GRACE_MS = 10000;
const LANGUAGES = ['ru', 'en'];
const CHANNELS = ['call', 'sms', 'call_or_sms'];

/* ---------- The catalogue ---------- */

/** One form of a counted word: `forms` by Intl.PluralRules' category (ru: one, few, many; en: one, other). */
function plural(n, forms) {
  const category = new Intl.PluralRules(language).select(n);
  return forms[category] ?? forms.other ?? forms.many;
}

const UNITS = {
  en: {
    second: { one: 'second', other: 'seconds' },
    minute: { one: 'minute', other: 'minutes' },
    hour: { one: 'hour', other: 'hours' },
  },
  // Russian after "через" (accusative) and after "в течение" (genitive).
  ru: {
    acc: {
      second: { one: 'секунду', few: 'секунды', many: 'секунд' },
      minute: { one: 'минуту', few: 'минуты', many: 'минут' },
      hour: { one: 'час', few: 'часа', many: 'часов' },
    },
    gen: {
      second: { one: 'секунды', few: 'секунд', many: 'секунд' },
      minute: { one: 'минуты', few: 'минут', many: 'минут' },
      hour: { one: 'часа', few: 'часов', many: 'часов' },
    },
  },
};

/** "45 seconds", "2 minutes", "1 hour" (or "2 минуты"...): a wait, in words; `grammaticalCase` is for Russian. */
function inWords(seconds, grammaticalCase = 'acc') {
  const units = language === 'ru' ? UNITS.ru[grammaticalCase] : UNITS.en;
  const unit = (n, name) => `${n} ${plural(n, units[name])}`;
  if (seconds < 90) return unit(Math.max(1, Math.round(seconds)), 'second');
  if (seconds < 90 * 60) return unit(Math.round(seconds / 60), 'minute');
  return unit(Math.round(seconds / 3600), 'hour');
}

const TEXTS = {
  en: {
    pageTitle: 'Sign in with your phone',
    language: 'Language',
    brand: 'Phone sign-in',
    startTitle: 'Sign in with your phone',
    lead: 'We check that the number is yours. It takes a minute and costs you nothing.',
    phoneLabel: 'Your phone number',
    phoneHint: 'In any common notation, e.g. +7 967 031-11-22. Numbers without a country code are read as Russian.',
    channelLegend: 'How to confirm the number',
    channel_call: 'Call from my phone',
    channel_sms: 'Get a code by SMS',
    channel_call_or_sms: 'Call, or get a code by SMS',
    start_call: 'Get a number to call',
    start_sms: 'Send me a code',
    start_call_or_sms: 'Continue',
    starting_call: 'Asking the phone service for a number to call…',
    starting_sms: 'Sending you a code by SMS…',
    starting_call_or_sms: 'Asking the phone service for a number to call and sending you a code…',
    waitTitle_call: 'Call this number',
    waitTitle_sms: 'Enter the code from the SMS',
    waitTitle_call_or_sms: 'Call this number, or enter the code',
    callStepsA: 'Call this number',
    callStepsB: 'from the phone you entered',
    callStepsC:
      ', wait for the busy signal, then hang up. The call costs nothing: nobody answers it. ' +
      'Call only if you started signing in here yourself.',
    or: 'or',
    codeLabel: 'Code from the SMS',
    codeHint: ({ length, phone }) => `We sent a ${length}-digit code by SMS to ${phone}. Do not tell it to anyone.`,
    codeSubmit: 'Confirm',
    timeLeft: 'Time left:',
    cancel: 'Cancel',
    waiting_call: ({ callTo, seconds }) => `Waiting for your call to ${callTo}. You have ${inWords(seconds)}.`,
    waiting_sms: ({ phone, seconds }) => `We sent a code by SMS to ${phone}. Enter it within ${inWords(seconds)}.`,
    waiting_call_or_sms: ({ callTo, phone, seconds }) =>
      `Call ${callTo}, or enter the code we sent by SMS to ${phone}, within ${inWords(seconds)}.`,
    timeUp_call: 'Time is up. Checking whether your call arrived…',
    timeUp: 'Time is up. Checking whether the number was confirmed…',
    connectionDropped: 'The connection dropped. Still trying…',
    stillTrying: ({ problem }) => `${text(problem)} Still trying…`,
    checkingCode: 'Checking the code…',
    enterCode: 'Enter the code from the SMS.',
    codeDigits: ({ length }) => `The code is ${length} digits from the SMS.`,
    wrongCode: ({ left }) => `Wrong code. ${left} ${plural(left, { one: 'try', other: 'tries' })} left.`,
    signingIn_call: 'Your call arrived. Signing you in…',
    signingIn_code: 'The code is right. Signing you in…',
    signedIn: 'Signed in.',
    signedOut: 'Signed out.',
    canceledNote: 'Canceled. You can start again.',
    restart: 'Start again',
    doneTitle: 'Your number is verified',
    signedInAs: 'Signed in as',
    checkedWith: 'The app checked your token with',
    cookieNote: 'Signed in with an HttpOnly cookie: the page keeps no token.',
    signOut: 'Sign out',
    accountIs: 'Account:',
    confirmPayment: 'Confirm a payment',
    changeNumber: 'Change my number',
    paymentChecking: 'Confirming the payment…',
    paymentConfirmed: 'Payment confirmed.',
    stepUpPurpose: 'To confirm the payment, prove again that the number is yours: it was proven too long ago.',
    changeTitle: 'Change my number',
    changeLead: 'Enter your new number. We check that it is yours; your account stays the same.',
    newPhoneLabel: 'Your new phone number',
    changePurpose: ({ phone }) => `Prove your new number ${phone}. Your account stays the same.`,
    numberChanged: ({ phone }) => `Your number is changed to ${phone}.`,
    back: 'Back',
    enterPhone: 'Enter your phone number, e.g. +7 967 031-11-22.',
    badPhone: 'This does not look like a phone number. Write digits, e.g. +7 967 031-11-22.',
    tooManyWait: ({ seconds }) => `Too many attempts. Please try again in ${inWords(seconds)}.`,
    tooMany: 'Too many attempts. Please wait a while, then try again.',
    platformDown: 'The phone service could not start the check right now. Please try again in a minute.',
    platformSlow: 'The phone service did not answer in time. Please try again.',
    serverError: 'Something went wrong on our side. Please try again.',
    requestFailed: ({ status }) => `The request failed (HTTP ${status}).`,
    unreachable: 'Cannot reach the server. Check your connection and try again.',
    endedTitle_expired: 'Time is up',
    endedText_expired: 'The time has passed, and the number was not verified.',
    endedTitle_canceled: 'Canceled',
    endedText_canceled: 'This check was canceled, perhaps because a newer one started for the same number.',
    endedTitle_consumed: 'Already used',
    endedText_consumed: 'This check was already used to sign in. Start a new one.',
    endedTitle_failed: 'Too many wrong codes',
    endedText_failed: 'The code was entered wrong too many times, so this check has ended. Start again for a new code.',
    endedTitle_unknown: 'Start again',
    endedText_unknown: 'This check is no longer known to the server.',
    devTitle: 'Phone simulator',
    devIntroA: 'This app runs on the',
    devIntroB: 'fake telephony platform',
    devIntroC:
      ', so no real call or SMS can arrive. These buttons ask the fake platform to report a call, ' +
      'as the real one would, and the SMS it "delivered" shows here.',
    scenario_call: 'Place the call',
    'scenario_other-number': 'Call from another number',
    'scenario_too-late': 'Call too late',
    log_call: ({ from, status }) =>
      `Call placed from the number being verified (${from}); the app answered the platform ${status}.`,
    'log_other-number': ({ from, status }) =>
      `Call placed from another number (${from}); the app answered the platform ${status}.`,
    'log_too-late': ({ from, status }) =>
      `Window ended, then the call was placed (${from}); the app answered the platform ${status}.`,
    simulatorFailed: ({ problem }) => `The simulator failed: ${text(problem)}`,
    simulatorUnreachable: 'The simulator could not reach the server.',
    devSmsTitle: 'The SMS on the phone',
    devFill: 'Fill in the code',
    devNoSms: 'No SMS has arrived for this check.',
    devHint: 'Start a verification first.',
    docsLink: 'API documentation (OpenAPI)',
  },
  ru: {
    pageTitle: 'Вход по номеру телефона',
    language: 'Язык',
    brand: 'Вход по телефону',
    startTitle: 'Вход по номеру телефона',
    lead: 'Мы проверим, что номер ваш. Это займёт минуту и ничего вам не будет стоить.',
    phoneLabel: 'Ваш номер телефона',
    phoneHint: 'В любой привычной записи, например +7 967 031-11-22. Номер без кода страны считается российским.',
    channelLegend: 'Как подтвердить номер',
    channel_call: 'Позвонить со своего телефона',
    channel_sms: 'Получить код по SMS',
    channel_call_or_sms: 'Позвонить или получить код по SMS',
    start_call: 'Получить номер для звонка',
    start_sms: 'Прислать код',
    start_call_or_sms: 'Продолжить',
    starting_call: 'Запрашиваем номер для звонка…',
    starting_sms: 'Отправляем код в SMS…',
    starting_call_or_sms: 'Запрашиваем номер для звонка и отправляем код…',
    waitTitle_call: 'Позвоните на этот номер',
    waitTitle_sms: 'Введите код из SMS',
    waitTitle_call_or_sms: 'Позвоните на этот номер или введите код',
    callStepsA: 'Позвоните на этот номер',
    callStepsB: 'с телефона, который вы ввели',
    callStepsC:
      ', дождитесь сигнала «занято» и положите трубку. Звонок бесплатный: на него никто не отвечает. ' +
      'Звоните, только если вы сами начали вход здесь.',
    or: 'или',
    codeLabel: 'Код из SMS',
    codeHint: ({ length, phone }) => `Мы отправили ${length}-значный код в SMS на ${phone}. Никому его не сообщайте.`,
    codeSubmit: 'Подтвердить',
    timeLeft: 'Осталось:',
    cancel: 'Отменить',
    waiting_call: ({ callTo, seconds }) =>
      `Ждём ваш звонок на ${callTo}. Позвоните в течение ${inWords(seconds, 'gen')}.`,
    waiting_sms: ({ phone, seconds }) =>
      `Мы отправили код в SMS на ${phone}. Введите его в течение ${inWords(seconds, 'gen')}.`,
    waiting_call_or_sms: ({ callTo, phone, seconds }) =>
      `Позвоните на ${callTo} или введите код из SMS, отправленного на ${phone}, ` +
      `в течение ${inWords(seconds, 'gen')}.`,
    timeUp_call: 'Время вышло. Проверяем, пришёл ли ваш звонок…',
    timeUp: 'Время вышло. Проверяем, подтверждён ли номер…',
    connectionDropped: 'Связь прервалась. Пробуем снова…',
    stillTrying: ({ problem }) => `${text(problem)} Пробуем снова…`,
    checkingCode: 'Проверяем код…',
    enterCode: 'Введите код из SMS.',
    codeDigits: ({ length }) =>
      `Код из SMS — это ${length} ${plural(length, { one: 'цифра', few: 'цифры', many: 'цифр' })}.`,
    wrongCode: ({ left }) =>
      `Неверный код. ${plural(left, {
        one: `Осталась ${left} попытка`,
        few: `Осталось ${left} попытки`,
        many: `Осталось ${left} попыток`,
      })}.`,
    signingIn_call: 'Ваш звонок пришёл. Выполняем вход…',
    signingIn_code: 'Код верный. Выполняем вход…',
    signedIn: 'Вход выполнен.',
    signedOut: 'Вы вышли.',
    canceledNote: 'Отменено. Можно начать заново.',
    restart: 'Начать заново',
    doneTitle: 'Ваш номер подтверждён',
    signedInAs: 'Вы вошли как',
    checkedWith: 'Приложение проверило ваш токен запросом',
    cookieNote: 'Вход через HttpOnly-cookie: страница не хранит токен.',
    signOut: 'Выйти',
    accountIs: 'Учётная запись:',
    confirmPayment: 'Подтвердить платёж',
    changeNumber: 'Сменить номер',
    paymentChecking: 'Подтверждаем платёж…',
    paymentConfirmed: 'Платёж подтверждён.',
    stepUpPurpose: 'Чтобы подтвердить платёж, ещё раз подтвердите, что номер ваш: он подтверждён слишком давно.',
    changeTitle: 'Смена номера',
    changeLead: 'Введите новый номер. Мы проверим, что он ваш; учётная запись останется прежней.',
    newPhoneLabel: 'Ваш новый номер телефона',
    changePurpose: ({ phone }) => `Подтвердите новый номер ${phone}. Учётная запись останется прежней.`,
    numberChanged: ({ phone }) => `Номер изменён на ${phone}.`,
    back: 'Назад',
    enterPhone: 'Введите номер телефона, например +7 967 031-11-22.',
    badPhone: 'Это не похоже на номер телефона. Введите цифры, например +7 967 031-11-22.',
    tooManyWait: ({ seconds }) => `Слишком много попыток. Попробуйте снова через ${inWords(seconds)}.`,
    tooMany: 'Слишком много попыток. Подождите немного и попробуйте снова.',
    platformDown: 'Телефонный сервис сейчас не может начать проверку. Попробуйте снова через минуту.',
    platformSlow: 'Телефонный сервис не ответил вовремя. Попробуйте снова.',
    serverError: 'У нас что-то пошло не так. Попробуйте снова.',
    requestFailed: ({ status }) => `Запрос не удался (HTTP ${status}).`,
    unreachable: 'Не удаётся связаться с сервером. Проверьте подключение и попробуйте снова.',
    endedTitle_expired: 'Время вышло',
    endedText_expired: 'Время истекло, и номер не подтверждён.',
    endedTitle_canceled: 'Отменено',
    endedText_canceled: 'Эта проверка отменена: возможно, для того же номера начата новая.',
    endedTitle_consumed: 'Уже использовано',
    endedText_consumed: 'По этой проверке уже выполнен вход. Начните новую.',
    endedTitle_failed: 'Слишком много неверных кодов',
    endedText_failed:
      'Код введён неверно слишком много раз, и проверка закончилась. Начните заново, чтобы получить новый код.',
    endedTitle_unknown: 'Начните заново',
    endedText_unknown: 'Сервер больше не знает эту проверку.',
    devTitle: 'Симулятор телефона',
    devIntroA: 'Приложение работает на',
    devIntroB: 'поддельной телефонной платформе',
    devIntroC:
      ', поэтому настоящие звонок или SMS прийти не могут. Эти кнопки просят её сообщить о звонке, ' +
      'как сделала бы настоящая, а SMS, которое она «доставила», показано здесь.',
    scenario_call: 'Позвонить',
    'scenario_other-number': 'Позвонить с другого номера',
    'scenario_too-late': 'Позвонить слишком поздно',
    log_call: ({ from, status }) => `Звонок с проверяемого номера (${from}); приложение ответило платформе ${status}.`,
    'log_other-number': ({ from, status }) =>
      `Звонок с другого номера (${from}); приложение ответило платформе ${status}.`,
    'log_too-late': ({ from, status }) =>
      `Время вышло, затем пришёл звонок (${from}); приложение ответило платформе ${status}.`,
    simulatorFailed: ({ problem }) => `Симулятор не сработал: ${text(problem)}`,
    simulatorUnreachable: 'Симулятор не смог связаться с сервером.',
    devSmsTitle: 'SMS на телефоне',
    devFill: 'Вставить код',
    devNoSms: 'Для этой проверки SMS не приходило.',
    devHint: 'Сначала начните проверку.',
    docsLink: 'Документация API (OpenAPI)',
  },
};

// Texts made of other texts, the same in both languages.
for (const texts of Object.values(TEXTS)) {
  texts.ended = ({ status }) => `${text({ key: `endedTitle_${status}` })}. ${text({ key: `endedText_${status}` })}`;
  texts.sms = ({ sms }) => sms;
}

/** The language of the page: the switch's, at first the browser's (ru → ru, else en). */
let language = browserLanguage();

function browserLanguage() {
  const preferred = navigator.languages?.length ? navigator.languages : [navigator.language ?? 'en'];
  for (const tag of preferred) {
    const primary = String(tag).toLowerCase().split('-')[0];
    if (LANGUAGES.includes(primary)) return primary;
  }
  return 'en';
}

/**
 * A text to show, remembered so it can be re-rendered in the other language: `{key, values}` from
 * the catalogue, or `{key, server}` for the module's own (English) message where English is shown.
 */
function text(said) {
  if (!said) return '';
  if (said.server && language === 'en') return said.server;
  const entry = TEXTS[language][said.key] ?? TEXTS.en[said.key];
  return typeof entry === 'function' ? entry(said.values ?? {}) : (entry ?? said.key);
}

/** Every element whose text the page wrote, with what it said: re-rendered when the language changes. */
const rendered = new Map();

function render(element, said) {
  if (said) rendered.set(element, said);
  else rendered.delete(element);
  element.textContent = text(said);
}

function applyLanguage() {
  document.documentElement.lang = language;
  document.title = text({ key: 'pageTitle' });
  for (const [element, said] of rendered) element.textContent = text(said);
  for (const element of document.querySelectorAll('[data-i18n-label]')) {
    element.setAttribute('aria-label', text({ key: element.dataset.i18nLabel }));
  }
  for (const button of document.querySelectorAll('[data-lang]')) {
    button.setAttribute('aria-pressed', String(button.dataset.lang === language));
  }
}

function switchLanguage(event) {
  language = event.currentTarget.dataset.lang;
  applyLanguage();
}

/* ---------- The flow ---------- */

const $ = (id) => document.getElementById(id);
const views = ['start-view', 'call-view', 'ended-view', 'done-view'];

let config = {
  simulator: false,
  cookieMode: false,
  verificationsPath: '/auth/phone-call/verifications',
  accountVerificationsPath: '/auth/phone-call/account/verifications',
  confirmPaymentPath: '/me/confirm-payment',
  signOutPath: '/auth/phone-call/token/sign-out',
  docsPath: '/docs',
  channels: ['call'],
};
/**
 * The verification in progress: { id, secret, channel, call (a call proves it), code (an SMS code
 * proves it), codeLength, deadline (performance.now() ms), checking (a code is being checked) }.
 */
let current = null;
let pollTimer = null;
let tickTimer = null;
/** The signed-in person: { accessToken (none in cookie mode), phone }, or null. */
let session = null;
/**
 * What the verification started next, or in progress, is for: `signIn`; `stepUp` (the same number
 * again, then the payment is retried); `changeNumber` (a new number). The last two are bound to the
 * signed-in subject: the module's account routes, with the access token.
 */
let purpose = 'signIn';

/** The access token of the session for a request (in cookie mode the cookie carries it). */
const authorization = () => (session?.accessToken ? { authorization: `Bearer ${session.accessToken}` } : {});
/** Where the verification in progress is redeemed: the token route, or the account route for a signed-in person. */
const tokenPath = (id) =>
  purpose === 'signIn' ? `${config.verificationsPath}/${id}/token` : `${config.accountVerificationsPath}/${id}/token`;

function show(view) {
  for (const id of views) $(id).hidden = id !== view;
  document.querySelector('main').dataset.view = view;
  const heading = $(view).querySelector('h1');
  heading.focus();
  setDevPanel(view === 'call-view' ? current : null);
}

/** The status line (aria-live): `said` as for {@link text}, or nothing. */
function say(said) {
  render($('status'), said);
}

function showError(said) {
  render($('error'), said);
  $('error').hidden = !said;
}

function fieldError(inputId, errorId, said) {
  const input = $(inputId);
  render($(errorId), said);
  $(errorId).hidden = !said;
  if (said) input.setAttribute('aria-invalid', 'true');
  else input.removeAttribute('aria-invalid');
}

const phoneError = (said) => fieldError('phone', 'phone-error', said);
const codeError = (said) => fieldError('code', 'code-error', said);

/** Seconds to wait from a Retry-After header: a number of seconds, or an HTTP date. */
function retryAfterSeconds(response, body) {
  const header = response.headers.get('Retry-After');
  if (header && /^\d+$/.test(header.trim())) return Number(header.trim());
  if (header && !Number.isNaN(Date.parse(header))) return Math.max(1, (Date.parse(header) - Date.now()) / 1000);
  return typeof body?.retryAfter === 'number' ? body.retryAfter : undefined;
}

/** The first message of Nest's error body (a string, or a list of them). */
function messageOf(body) {
  const message = Array.isArray(body?.message) ? body.message[0] : body?.message;
  return typeof message === 'string' ? message : '';
}

/** Plain words for an answer that is not a success. */
function problem(response, body) {
  switch (response.status) {
    case 429: {
      const seconds = retryAfterSeconds(response, body);
      return seconds === undefined ? { key: 'tooMany' } : { key: 'tooManyWait', values: { seconds } };
    }
    case 502:
      return { key: 'platformDown' };
    case 504:
      return { key: 'platformSlow' };
    default:
      return response.status >= 500
        ? { key: 'serverError' }
        : { key: 'requestFailed', values: { status: response.status }, server: messageOf(body) };
  }
}

async function request(method, path, body, headers = {}) {
  const response = await fetch(path, {
    method,
    headers: { ...(body && { 'content-type': 'application/json' }), ...headers },
    body: body && JSON.stringify(body),
    // Send and accept cookies for this app only (fetch's default, said out loud for cookie mode).
    credentials: 'same-origin',
  });
  const text = await response.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { response, body: json };
}

/** The channel chosen in the form (the app's default when it offers one only). */
function chosenChannel() {
  return document.querySelector('input[name="channel"]:checked')?.value ?? config.channels[0];
}

function channelChanged() {
  render($('start-button'), { key: `start_${chosenChannel()}` });
}

async function start(event) {
  event.preventDefault();
  showError(null);
  phoneError(null);
  const phone = $('phone').value.trim();
  if (!phone) {
    phoneError({ key: 'enterPhone' });
    $('phone').focus();
    return;
  }
  const channel = chosenChannel();
  $('start-button').disabled = true;
  say({ key: `starting_${channel}` });
  try {
    const changing = purpose === 'changeNumber';
    const { response, body } = changing
      ? await request('POST', config.accountVerificationsPath, { phone, channel, locale: language }, authorization())
      : await request('POST', config.verificationsPath, { phone, channel, locale: language });
    if (response.status === 201) return waitForProof(body, phone);
    say(null);
    if (response.status === 400) {
      phoneError({ key: 'badPhone', server: messageOf(body) });
      $('phone').focus();
    } else {
      showError(problem(response, body));
    }
  } catch {
    say(null);
    showError({ key: 'unreachable' });
  } finally {
    $('start-button').disabled = false;
  }
}

/** The wait step: the number to call, the code field, or both, as the start answer says. */
function waitForProof(started, phone) {
  const channel = CHANNELS.includes(started.channel) ? started.channel : 'call';
  current = {
    id: started.id,
    secret: started.secret,
    channel,
    call: !!started.callTo,
    code: !!started.codeSent,
    codeLength: started.codeLength ?? 6,
    deadline: performance.now() + started.expiresIn * 1000,
    checking: false,
  };
  render($('call-title'), { key: `waitTitle_${channel}` });
  $('call-part').hidden = !current.call;
  if (current.call) {
    $('call-to').href = `tel:${started.callTo}`;
    $('call-to').textContent = started.callToDisplay;
  }
  $('or').hidden = !(current.call && current.code);
  $('code-form').hidden = !current.code;
  $('code').value = '';
  $('code').maxLength = current.codeLength;
  codeError(null);
  render($('code-hint'), { key: 'codeHint', values: { length: current.codeLength, phone } });
  const note = { stepUp: { key: 'stepUpPurpose' }, changeNumber: { key: 'changePurpose', values: { phone } } };
  render($('call-purpose'), note[purpose] ?? null);
  $('call-purpose').hidden = !note[purpose];
  show('call-view');
  tick();
  tickTimer = setInterval(tick, 250);
  say({
    key: `waiting_${channel}`,
    values: { callTo: started.callToDisplay, phone, seconds: started.expiresIn },
  });
  // The token route answers 200 once the call arrived; with a code only, it still tells when the
  // check expired, was canceled or failed.
  schedulePoll();
  if (current.code && config.simulator) showSimulatedSms(current);
}

function tick() {
  const left = Math.max(0, Math.ceil((current.deadline - performance.now()) / 1000));
  $('countdown').textContent = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}`;
  if (left === 0 && $('countdown').dataset.ended !== 'true') {
    $('countdown').dataset.ended = 'true';
    say({ key: current.channel === 'call' ? 'timeUp_call' : 'timeUp' });
  }
}

function schedulePoll(ms = POLL_MS) {
  clearTimeout(pollTimer);
  pollTimer = setTimeout(poll, ms);
}

function stopWaiting() {
  clearTimeout(pollTimer);
  clearInterval(tickTimer);
  delete $('countdown').dataset.ended;
  current = null;
}

async function poll() {
  const verification = current;
  if (!verification) return;
  let answer;
  try {
    const headers = purpose === 'signIn' ? {} : authorization();
    answer = await request('POST', tokenPath(verification.id), { secret: verification.secret }, headers);
  } catch {
    say({ key: 'connectionDropped' });
    return schedulePoll();
  }
  if (verification !== current) return; // canceled, or proven by the code, meanwhile
  const { response, body } = answer;
  // In cookie mode the token is in an HttpOnly cookie now; the copy in the body is left unread.
  if (response.status === 200 && purpose !== 'signIn') return accountProven(body);
  if (response.status === 200) return signedIn(config.cookieMode ? undefined : body.accessToken, 'call');
  // A code being checked decides; this answer (perhaps "consumed" by that very code) waits.
  if (verification.checking) return schedulePoll();
  if (response.status === 202) {
    if (performance.now() > verification.deadline + GRACE_MS) return ended('expired');
    return schedulePoll();
  }
  if (response.status === 410) return ended(body?.status);
  if (response.status === 401) return ended('unknown');
  say({ key: 'stillTrying', values: { problem: problem(response, body) } });
  schedulePoll();
}

/** Sends the code from the SMS: right, signed in; wrong, the tries left; too many, the check has ended. */
async function sendCode(event) {
  event.preventDefault();
  const verification = current;
  if (!verification || verification.checking) return;
  showError(null);
  codeError(null);
  const code = $('code').value.replace(/[\s-]/g, '');
  if (!code || !/^\d{4,8}$/.test(code)) {
    codeError(code ? { key: 'codeDigits', values: { length: verification.codeLength } } : { key: 'enterCode' });
    $('code').focus();
    return;
  }
  verification.checking = true;
  $('code-button').disabled = true;
  say({ key: 'checkingCode' });
  let answer;
  try {
    answer = await request('POST', `${config.verificationsPath}/${verification.id}/code`, {
      secret: verification.secret,
      code,
    });
  } catch {
    say(null);
    showError({ key: 'unreachable' });
    return;
  } finally {
    verification.checking = false;
    $('code-button').disabled = false;
  }
  if (verification !== current) return; // the call won meanwhile, or canceled
  const { response, body } = answer;
  // Bound to the signed-in person: the code verified it, the account route redeems it (the next poll, now).
  if (response.status === 200 && purpose !== 'signIn') return schedulePoll(0);
  if (response.status === 200) return signedIn(config.cookieMode ? undefined : body.accessToken, 'code');
  say(null);
  if (response.status === 400 && typeof body?.attemptsLeft === 'number') {
    codeError({ key: 'wrongCode', values: { left: body.attemptsLeft } });
    $('code').select();
    $('code').focus();
  } else if (response.status === 410) {
    // "verified": the call proved the number first; the next poll redeems it.
    if (body?.status === 'verified') return schedulePoll(0);
    ended(body?.status);
  } else if (response.status === 401) {
    ended('unknown');
  } else if (response.status === 400) {
    codeError({ key: 'codeDigits', values: { length: verification.codeLength } });
    $('code').focus();
  } else {
    showError(problem(response, body));
  }
}

function ended(status) {
  stopWaiting();
  const known = ['expired', 'canceled', 'consumed', 'failed'].includes(status) ? status : 'unknown';
  render($('ended-title'), { key: `endedTitle_${known}` });
  render($('ended-text'), { key: `endedText_${known}` });
  show('ended-view');
  say({ key: 'ended', values: { status: known } });
}

/** Signed in: the session's token in hand (none in cookie mode), then who /me says you are. */
async function signedIn(accessToken, proof) {
  stopWaiting();
  say({ key: `signingIn_${proof}` });
  session = { accessToken, phone: null };
  await showSession({ key: 'signedIn' });
}

/** Asks /me who the token says you are: with the token in hand, or (cookie mode) with the cookie alone. */
async function showSession(said) {
  purpose = 'signIn';
  const { response, body } = await request('GET', '/me', undefined, authorization());
  if (response.status !== 200) {
    session = null;
    showError(problem(response, body));
    return ended('unknown');
  }
  session.phone = body.phone;
  $('verified-phone').textContent = body.phone;
  $('account-id').textContent = body.sub;
  $('cookie-note').hidden = !config.cookieMode;
  show('done-view');
  say(said);
}

/** A verification bound to the signed-in person, redeemed: a fresh token (step-up), or the number changed. */
async function accountProven(body) {
  stopWaiting();
  const paying = purpose === 'stepUp';
  purpose = 'signIn';
  // In cookie mode the new access token is in the cookie already.
  if (!config.cookieMode && body.accessToken) session.accessToken = body.accessToken;
  if (body.status === 'number_changed') return showSession({ key: 'numberChanged', values: { phone: body.phone } });
  return paying ? confirmPayment(true) : showSession(null);
}

/**
 * The payment route needs a recent proof of the number: an older one gets 401 with
 * `WWW-Authenticate: Bearer error="insufficient_user_authentication", max_age=...` (RFC 9470), and
 * the page proves the same number again (the channel chosen at sign-in), then retries.
 */
async function confirmPayment(afterStepUp = false) {
  showError(null);
  say({ key: 'paymentChecking' });
  $('pay-button').disabled = true;
  try {
    const { response, body } = await request('POST', config.confirmPaymentPath, {}, authorization());
    if (response.ok) {
      if (document.querySelector('main').dataset.view !== 'done-view') show('done-view');
      return say({ key: 'paymentConfirmed' });
    }
    const challenge = response.headers.get('WWW-Authenticate') ?? '';
    // Once per click: a proof just made that is still refused is an error, not another step-up.
    if (response.status === 401 && challenge.includes('insufficient_user_authentication') && !afterStepUp) {
      return await stepUp();
    }
    if (afterStepUp) show('done-view');
    say(null);
    showError(problem(response, body));
  } catch {
    say(null);
    showError({ key: 'unreachable' });
  } finally {
    $('pay-button').disabled = false;
  }
}

/** Step-up: a verification of the session's own number, bound to the signed-in person. */
async function stepUp() {
  purpose = 'stepUp';
  const { response, body } = await request(
    'POST',
    config.accountVerificationsPath,
    { channel: chosenChannel(), locale: language },
    authorization(),
  );
  if (response.status === 201) return waitForProof(body, session.phone);
  purpose = 'signIn';
  say(null);
  showError(problem(response, body));
}

/** Change of number: the start form, asking for the new number. */
function changeNumber() {
  purpose = 'changeNumber';
  showError(null);
  startForm();
  $('phone').value = '';
  show('start-view');
  say(null);
}

/** The start form's words: signing in, or (signed in) changing the number. */
function startForm() {
  const changing = purpose === 'changeNumber';
  render($('title'), { key: changing ? 'changeTitle' : 'startTitle' });
  render(document.querySelector('#start-view .lead'), { key: changing ? 'changeLead' : 'lead' });
  render(document.querySelector('label[for="phone"]'), { key: changing ? 'newPhoneLabel' : 'phoneLabel' });
  $('back-button').hidden = !changing;
}

/** Back to the signed-in page, from a flow of the signed-in person that ended or was left. */
function backToSession(said = null) {
  stopWaiting();
  purpose = 'signIn';
  startForm();
  showError(null);
  show('done-view');
  say(said);
}

/**
 * Signing out: in cookie mode the module's sign-out route expires the HttpOnly cookie, which the
 * page cannot touch. It takes JSON from this page only (another site cannot sign you out), hence `{}`.
 */
async function signOut() {
  if (config.cookieMode) {
    try {
      const { response, body } = await request('POST', config.signOutPath, {});
      if (!response.ok) return showError(problem(response, body));
    } catch {
      return showError({ key: 'unreachable' });
    }
  }
  session = null;
  restart({ key: 'signedOut' });
}

async function cancel() {
  const verification = current;
  if (!verification) return;
  stopWaiting();
  try {
    await request('DELETE', `${config.verificationsPath}/${verification.id}`, { secret: verification.secret });
  } catch {
    // The window ends by itself; nothing to do.
  }
  restart({ key: 'canceledNote' });
}

/** The start form again; signed in, the signed-in page instead (a step-up or a change of number ended). */
function restart(said = null) {
  if (session) return backToSession(said);
  stopWaiting();
  purpose = 'signIn';
  startForm();
  showError(null);
  show('start-view');
  $('phone').focus();
  say(said);
}

/* ---------- The development panel: shown only when the server says it runs on the fake platform ---------- */

/** The panel for the verification being waited for (or none): call buttons for a call, the SMS for a code. */
function setDevPanel(verification) {
  const call = !!verification?.call;
  for (const button of document.querySelectorAll('[data-scenario]')) button.disabled = !call;
  $('dev-buttons').hidden = !!verification && !call;
  $('dev-hint').hidden = !!verification;
  if (!verification?.code) {
    $('dev-sms').hidden = true;
    $('dev-fill').disabled = true;
  }
}

/** Reads the SMS the fake platform "delivered" for a verification and shows it, as the phone would. */
async function showSimulatedSms(verification) {
  let sms;
  try {
    // The SMS code is as good as the secret, so the simulator asks for it with the secret (JSON, this page only).
    const { response, body } = await request('POST', `/dev/verifications/${verification.id}/sms`, {
      secret: verification.secret,
    });
    sms = response.ok ? body : undefined;
  } catch {
    sms = undefined;
  }
  if (verification !== current) return;
  // The SMS stays as it arrived: in the language the start asked for.
  if (sms) render($('dev-sms-text'), { key: 'sms', server: sms.text, values: { sms: sms.text } });
  else render($('dev-sms-text'), { key: 'devNoSms' });
  $('dev-fill').disabled = !sms;
  $('dev-sms').hidden = false;
}

function fillCode() {
  const code = /(?<!\d)\d{4,8}(?!\d)/.exec($('dev-sms-text').textContent ?? '')?.[0];
  if (!code || !current?.code) return;
  $('code').value = code;
  codeError(null);
  $('code').focus();
}

async function simulate(event) {
  const scenario = event.currentTarget.dataset.scenario;
  if (!current) return;
  const entry = document.createElement('li');
  try {
    const { response, body } = await request('POST', `/dev/verifications/${current.id}/calls`, {
      scenario,
      secret: current.secret,
    });
    render(
      entry,
      response.ok
        ? { key: `log_${scenario}`, values: { from: body.from, status: body.callback.status } }
        : { key: 'simulatorFailed', values: { problem: problem(response, body) } },
    );
  } catch {
    render(entry, { key: 'simulatorUnreachable' });
  }
  $('dev-log').prepend(entry); // the page learns the outcome by its next poll, as with a real call
}

/** The channel choice: the ones the app offers, its default first and chosen; no choice for one. */
function offerChannels() {
  const offered = (Array.isArray(config.channels) ? config.channels : []).filter((c) => CHANNELS.includes(c));
  config.channels = offered.length > 0 ? offered : ['call'];
  for (const input of document.querySelectorAll('input[name="channel"]')) {
    input.closest('label').hidden = !config.channels.includes(input.value);
    input.checked = input.value === config.channels[0];
  }
  // In the app's order.
  for (const channel of config.channels) {
    $('channels').append(document.querySelector(`input[name="channel"][value="${channel}"]`).closest('label'));
  }
  $('channels').hidden = config.channels.length < 2;
  channelChanged();
}

async function init() {
  for (const element of document.querySelectorAll('[data-i18n]')) render(element, { key: element.dataset.i18n });
  applyLanguage();
  $('start-form').addEventListener('submit', start);
  $('code-form').addEventListener('submit', sendCode);
  $('cancel-button').addEventListener('click', cancel);
  $('restart-button').addEventListener('click', () => restart());
  $('sign-out-button').addEventListener('click', signOut);
  $('pay-button').addEventListener('click', () => confirmPayment());
  $('change-button').addEventListener('click', changeNumber);
  $('back-button').addEventListener('click', () => backToSession());
  $('dev-fill').addEventListener('click', fillCode);
  for (const button of document.querySelectorAll('[data-lang]')) button.addEventListener('click', switchLanguage);
  for (const input of document.querySelectorAll('input[name="channel"]')) {
    input.addEventListener('change', channelChanged);
  }
  for (const button of document.querySelectorAll('[data-scenario]')) button.addEventListener('click', simulate);
  try {
    const { response, body } = await request('GET', '/page-config');
    if (response.ok) config = body;
  } catch {
    // keep the defaults; the panel stays hidden
  }
  offerChannels();
  $('docs-link').href = config.docsPath;
  $('dev-panel').hidden = !config.simulator;
  document.body.dataset.ready = 'true';
}

init();
