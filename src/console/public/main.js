// The operator console: sign-in with the admin token, then five panels over the admin API.
import { adminToken, api, onUnauthorized } from './api.js';
import { createDeadLetters } from './dead-letters.js';
import { createEndpoints } from './endpoints.js';
import { createOverview } from './overview.js';
import { createQueues } from './queues.js';
import { createSessions } from './sessions.js';
import { fillEndpointSelect, toast } from './ui.js';

const signIn = document.getElementById('sign-in');
const app = document.getElementById('app');
const signOutButton = document.getElementById('sign-out');
const tabs = [...document.querySelectorAll('[role="tab"]')];
const endpointSelects = ['overview-endpoint', 'sessions-endpoint', 'dead-letters-endpoint'].map((id) => document.getElementById(id));

const endpoints = createEndpoints({ onEndpoints: (list) => endpointSelects.forEach((select) => fillEndpointSelect(select, list)) });
const panels = {
  'panel-overview': createOverview({ endpointSelect: endpointSelects[0] }),
  'panel-sessions': createSessions({ endpointSelect: endpointSelects[1] }),
  'panel-dead-letters': createDeadLetters({ endpointSelect: endpointSelects[2] }),
  'panel-endpoints': endpoints,
  'panel-queues': createQueues(),
};
let current;

/** WAI-ARIA tabs: one tab in the tab order, arrows move between tabs, the chosen panel alone is shown. */
function select(tab, { focus = false } = {}) {
  for (const other of tabs) {
    const chosen = other === tab;
    other.setAttribute('aria-selected', String(chosen));
    other.tabIndex = chosen ? 0 : -1;
    document.getElementById(other.getAttribute('aria-controls')).hidden = !chosen;
  }
  if (focus) tab.focus();
  const id = tab.getAttribute('aria-controls');
  if (current && current !== panels[id]) current.hide();
  current = panels[id];
  void current.show();
}

for (const tab of tabs) {
  tab.addEventListener('click', () => select(tab));
  tab.addEventListener('keydown', (event) => {
    const i = tabs.indexOf(tab);
    const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    select(tabs[(next + tabs.length) % tabs.length], { focus: true });
  });
}

function showSignIn(message = '') {
  current?.hide();
  current = undefined;
  app.hidden = true;
  signOutButton.hidden = true;
  signIn.hidden = false;
  document.getElementById('sign-in-error').textContent = message;
  document.getElementById('token').focus();
}

async function enter() {
  signIn.hidden = true;
  app.hidden = false;
  signOutButton.hidden = false;
  await endpoints.load();
  if (!adminToken.get()) return; // refused: back at the sign-in
  select(tabs[0]);
  document.body.dataset.ready = 'true';
}

onUnauthorized(() => {
  adminToken.clear();
  showSignIn('The admin token was refused. Sign in again.');
});

document.getElementById('sign-in-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const field = document.getElementById('token');
  const token = field.value.trim();
  if (!token) {
    document.getElementById('sign-in-error').textContent = 'Enter the admin token.';
    return;
  }
  adminToken.set(token);
  field.value = '';
  try {
    await api('/admin/v1/endpoints');
    await enter();
  } catch (err) {
    if (err.status !== 401) showSignIn(`Cannot reach the admin API: ${err.message}`);
  }
});

signOutButton.addEventListener('click', async () => {
  await panels['panel-queues'].close();
  adminToken.clear();
  showSignIn();
  toast('Signed out');
});

if (adminToken.get()) void enter();
else showSignIn();
