// The live view's entry point: asks /api/whoami whether a login is needed, then follows /api/events (Server-Sent
// Events: `state` every second, `prediction`, `series` and `track`) and keeps the panels up to date.
import { getJson, onUnauthorised, postJson } from './api.js';
import { PipelineCard } from './card.js';
import { el, fill, setText } from './dom.js';
import { ZoneEditor } from './editor.js';
import { eventList } from './events.js';
import { pipelineTable } from './pipelines.js';

const $ = (id) => document.getElementById(id);
const cards = new Map();
let latest = { pipelines: [] };
let source = null;
let stateEvents = 0;

const updateTable = pipelineTable($('pipelines'));
const addEvent = eventList($('events'));
const editor = new ZoneEditor($('editor'), { cards: () => cards, pipelines: () => latest.pipelines });

function applyState(state) {
  latest = state;
  stateEvents += 1;
  document.body.setAttribute('data-state-events', String(stateEvents));
  setText($('version'), state.version ? `edgepipe ${state.version}` : 'edgepipe');
  const soc = state.soc ?? {};
  setText(
    $('soc'),
    `SoC ${typeof soc.temperature_c === 'number' ? `${soc.temperature_c.toFixed(1)} °C` : 'temperature unknown'}${soc.throttled === true ? ', throttled' : soc.throttled === false ? ', not throttled' : ''}`,
  );
  $('soc').classList.toggle('warn', soc.throttled === true);
  updateTable(state);

  const atMs = Date.parse(state.time) || Date.now();
  const seen = new Set();
  for (const p of state.pipelines) {
    seen.add(p.name);
    let card = cards.get(p.name);
    if (card && card.kind !== p.kind) {
      card.remove();
      card = undefined;
    }
    if (!card) {
      card = new PipelineCard(p, editor);
      cards.set(p.name, card);
    }
    $('cards').append(card.root); // in the server's order
    card.updateState(p, atMs);
  }
  for (const [name, card] of cards) {
    if (!seen.has(name)) {
      card.remove();
      cards.delete(name);
    }
  }
  editor.updatePipelines(state.pipelines);
}

function parse(event) {
  try {
    return JSON.parse(event.data);
  } catch {
    return null;
  }
}

function connect() {
  if (source) source.close();
  setConnection('connecting…', 'pending');
  source = new EventSource('/api/events');
  let opened = false;
  source.addEventListener('open', () => {
    setConnection('live', 'ok');
    // Reconnected after the service restarted: the old streams ended with it.
    if (opened) for (const card of cards.values()) card.startStream();
    opened = true;
  });
  source.addEventListener('state', (event) => {
    const state = parse(event);
    if (state && Array.isArray(state.pipelines)) applyState(state);
  });
  source.addEventListener('prediction', (event) => {
    const data = parse(event);
    if (data) cards.get(data.pipeline)?.updatePrediction(data);
  });
  source.addEventListener('series', (event) => {
    const data = parse(event);
    if (data) cards.get(data.pipeline)?.updateSeries(data);
  });
  source.addEventListener('track', (event) => {
    const data = parse(event);
    if (data) addEvent(data, event.lastEventId);
  });
  source.addEventListener('error', () => {
    // EventSource retries by itself while the server is reachable; a refusal (401) closes it for good.
    if (source.readyState === EventSource.CLOSED) {
      setConnection('disconnected', 'error');
      setTimeout(start, 5000);
    } else {
      setConnection('reconnecting…', 'pending');
    }
  });
}

function setConnection(text, kind) {
  const node = $('connection');
  setText(node, text);
  node.className = `badge ${kind}`;
}

/** Shows the login form; a good token gives a session cookie, then the page starts. */
function showLogin(message) {
  if (source) source.close();
  source = null;
  for (const card of cards.values()) card.stopStream();
  $('login').hidden = false;
  $('app').hidden = true;
  setText($('login-error'), message ?? '');
  $('login-token').focus();
}

async function start() {
  let who;
  try {
    who = await getJson('/api/whoami');
  } catch (error) {
    setConnection(`server unreachable: ${error.message}`, 'error');
    setTimeout(start, 5000);
    return;
  }
  if (who.auth_required && !who.authenticated) {
    showLogin();
    return;
  }
  $('login').hidden = true;
  $('app').hidden = false;
  for (const card of cards.values()) card.startStream();
  try {
    applyState(await getJson('/api/state'));
  } catch {
    // The first `state` event fills the page a second later.
  }
  connect();
}

$('login-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const token = $('login-token').value;
  try {
    await postJson('/api/login', { token });
    $('login-token').value = '';
    start();
  } catch (error) {
    setText($('login-error'), error.message === 'wrong token' ? 'Wrong token.' : `Login failed: ${error.message}`);
  }
});

onUnauthorised(() => showLogin('The session ended: log in again.'));

// No one looks at a hidden tab: close the streams so the device encodes nothing for it.
document.addEventListener('visibilitychange', () => {
  for (const card of cards.values()) (document.hidden ? card.stopStream() : card.startStream());
});

fill($('connection'), 'starting…');
start();
