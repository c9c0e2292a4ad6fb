/* global document, fetch, performance, setTimeout, clearTimeout, setInterval, clearInterval */
/*
 * The sign-in page: start a verification, show the number to call and a countdown, poll the token
 * route every 2 s, then show who /me says you are. Plain browser JavaScript, served as is.
 * In cookie mode (the app sets PHONE_CALL_JWT_COOKIE) the token route also sets the access token
 * as an HttpOnly cookie: the page then never keeps the token, and /me gets the cookie instead.
 */

const POLL_MS = 2000;
/** After the countdown ends, the server has this long to say "expired" before the page says it. */
const GRACE_MS = 10000;

const $ = (id) => document.getElementById(id);
const views = ['start-view', 'call-view', 'ended-view', 'done-view'];

let config = {
  simulator: false,
  cookieMode: false,
  verificationsPath: '/auth/phone-call/verifications',
  docsPath: '/docs',
};
/** The verification in progress: { id, secret, deadline (performance.now() ms) }. */
let current = null;
let pollTimer = null;
let tickTimer = null;

function show(view) {
  for (const id of views) $(id).hidden = id !== view;
  document.querySelector('main').dataset.view = view;
  const heading = $(view).querySelector('h1');
  heading.focus();
  setDevButtons(view === 'call-view');
}

function say(text) {
  $('status').textContent = text;
}

function showError(text) {
  $('error').textContent = text;
  $('error').hidden = !text;
}

function fieldError(text) {
  const input = $('phone');
  $('phone-error').textContent = text;
  $('phone-error').hidden = !text;
  if (text) input.setAttribute('aria-invalid', 'true');
  else input.removeAttribute('aria-invalid');
}

/** "45 seconds", "2 minutes", "1 hour": a wait, in words. */
function inWords(seconds) {
  const unit = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (seconds < 90) return unit(Math.max(1, Math.round(seconds)), 'second');
  if (seconds < 90 * 60) return unit(Math.round(seconds / 60), 'minute');
  return unit(Math.round(seconds / 3600), 'hour');
}

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
      const wait = retryAfterSeconds(response, body);
      return wait === undefined
        ? 'Too many attempts. Please wait a while, then try again.'
        : `Too many attempts. Please try again in ${inWords(wait)}.`;
    }
    case 502:
      return 'The phone service could not start the check right now. Please try again in a minute.';
    case 504:
      return 'The phone service did not answer in time. Please try again.';
    default:
      return response.status >= 500
        ? 'Something went wrong on our side. Please try again.'
        : messageOf(body) || `The request failed (HTTP ${response.status}).`;
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

async function start(event) {
  event.preventDefault();
  showError('');
  fieldError('');
  const phone = $('phone').value.trim();
  if (!phone) {
    fieldError('Enter your phone number, e.g. +7 967 031-11-22.');
    $('phone').focus();
    return;
  }
  $('start-button').disabled = true;
  say('Asking the phone service for a number to call…');
  try {
    const { response, body } = await request('POST', config.verificationsPath, { phone });
    if (response.status === 201) return waitForCall(body);
    say('');
    if (response.status === 400) {
      fieldError(messageOf(body) || 'This does not look like a phone number.');
      $('phone').focus();
    } else {
      showError(problem(response, body));
    }
  } catch {
    say('');
    showError('Cannot reach the server. Check your connection and try again.');
  } finally {
    $('start-button').disabled = false;
  }
}

function waitForCall(started) {
  current = { id: started.id, secret: started.secret, deadline: performance.now() + started.expiresIn * 1000 };
  $('call-to').href = `tel:${started.callTo}`;
  $('call-to').textContent = started.callToDisplay;
  show('call-view');
  tick();
  tickTimer = setInterval(tick, 250);
  say(`Waiting for your call to ${started.callToDisplay}. You have ${inWords(started.expiresIn)}.`);
  schedulePoll();
}

function tick() {
  const left = Math.max(0, Math.ceil((current.deadline - performance.now()) / 1000));
  $('countdown').textContent = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}`;
  if (left === 0 && $('countdown').dataset.ended !== 'true') {
    $('countdown').dataset.ended = 'true';
    say('Time is up. Checking whether your call arrived…');
  }
}

function schedulePoll() {
  pollTimer = setTimeout(poll, POLL_MS);
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
    answer = await request('POST', `${config.verificationsPath}/${verification.id}/token`, {
      secret: verification.secret,
    });
  } catch {
    say('The connection dropped. Still trying…');
    return schedulePoll();
  }
  if (verification !== current) return; // canceled meanwhile
  const { response, body } = answer;
  // In cookie mode the token is in an HttpOnly cookie now; the copy in the body is left unread.
  if (response.status === 200) return signedIn(config.cookieMode ? undefined : body.accessToken);
  if (response.status === 202) {
    if (performance.now() > verification.deadline + GRACE_MS) return ended('expired');
    return schedulePoll();
  }
  if (response.status === 410) return ended(body?.status);
  if (response.status === 401) return ended('unknown');
  say(`${problem(response, body)} Still trying…`);
  schedulePoll();
}

const ENDED = {
  expired: ['Time is up', 'The time to call has passed, and the number was not verified.'],
  canceled: ['Canceled', 'This check was canceled, perhaps because a newer one started for the same number.'],
  consumed: ['Already used', 'This check was already used to sign in. Start a new one.'],
  unknown: ['Start again', 'This check is no longer known to the server.'],
};

function ended(status) {
  stopWaiting();
  const [title, text] = ENDED[status] ?? ENDED.unknown;
  $('ended-title').textContent = title;
  $('ended-text').textContent = text;
  show('ended-view');
  say(`${title}. ${text}`);
}

/** Asks /me who the token says you are: with the token in hand, or (cookie mode) with the cookie alone. */
async function signedIn(accessToken) {
  stopWaiting();
  say('Your call arrived. Signing you in…');
  const headers = accessToken ? { authorization: `Bearer ${accessToken}` } : {};
  const { response, body } = await request('GET', '/me', undefined, headers);
  if (response.status !== 200) {
    showError(problem(response, body));
    return ended('unknown');
  }
  $('verified-phone').textContent = body.phone;
  $('cookie-note').hidden = !config.cookieMode;
  show('done-view');
  say('Signed in.');
}

/** Signing out: in cookie mode the server expires the HttpOnly cookie, which the page cannot touch. */
async function signOut() {
  if (config.cookieMode) {
    try {
      const { response, body } = await request('POST', '/sign-out');
      if (!response.ok) return showError(problem(response, body));
    } catch {
      return showError('Cannot reach the server. Check your connection and try again.');
    }
  }
  restart('Signed out.');
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
  restart('Canceled. You can start again.');
}

function restart(message = '') {
  stopWaiting();
  showError('');
  show('start-view');
  $('phone').focus();
  say(message);
}

/* The development panel: shown only when the server says it runs on the fake platform. */

function setDevButtons(enabled) {
  for (const button of document.querySelectorAll('[data-scenario]')) button.disabled = !enabled;
  $('dev-hint').hidden = enabled;
}

const SCENARIO_TEXT = {
  call: 'Call placed from the number being verified',
  'other-number': 'Call placed from another number',
  'too-late': 'Window ended, then the call was placed',
};

async function simulate(event) {
  const scenario = event.currentTarget.dataset.scenario;
  if (!current) return;
  const entry = document.createElement('li');
  try {
    const { response, body } = await request('POST', `/dev/verifications/${current.id}/calls`, { scenario });
    entry.textContent = response.ok
      ? `${SCENARIO_TEXT[scenario]} (${body.from}); the app answered the platform ${body.callback.status}.`
      : `The simulator failed: ${problem(response, body)}`;
  } catch {
    entry.textContent = 'The simulator could not reach the server.';
  }
  $('dev-log').prepend(entry); // the page learns the outcome by its next poll, as with a real call
}

async function init() {
  $('start-form').addEventListener('submit', start);
  $('cancel-button').addEventListener('click', cancel);
  $('restart-button').addEventListener('click', () => restart());
  $('sign-out-button').addEventListener('click', signOut);
  for (const button of document.querySelectorAll('[data-scenario]')) button.addEventListener('click', simulate);
  try {
    const { response, body } = await request('GET', '/page-config');
    if (response.ok) config = body;
  } catch {
    // keep the defaults; the panel stays hidden
  }
  $('docs-link').href = config.docsPath;
  $('dev-panel').hidden = !config.simulator;
  document.body.dataset.ready = 'true';
}

init();
