// @ts-check
// Live updates: one stream (GET /api/events) per signed-in tab, read with fetch and
// a stream reader so the api key travels in a header. Events go to whoever listens
// (the bell, the feed, an open thread, the notifications view). A dropped stream is
// opened again after an exponential back-off with jitter, sending Last-Event-ID, so
// the server replays what came meanwhile. Signing out stops it.
/** @import { ApiError } from "./api.js" */
/** @import { LiveEvent } from "./types.js" */
import { api } from "./api.js";
import { sseParser } from "./sse.js";

const FIRST_DELAY_MS = 1000;
const LONGEST_DELAY_MS = 30_000;
// The server comments every 15 s; this long without a byte, the connection is dead
// (a proxy or a sleeping laptop can leave it open without telling either end).
const SILENCE_MS = 45_000;
// A stream that stayed up this long was healthy: the next drop starts the back-off anew.
const HEALTHY_MS = 10_000;

/**
 * @callback LiveListener
 * @param {LiveEvent} event
 * @returns {void}
 */

/** @type {Map<Element, LiveListener>} */
const listeners = new Map();
/** @type {AbortController | null} */
let running = null; // the current run; aborted when it stops
/** @type {string | null} */
let lastEventId = null;
/** @type {number | null} */
let watched = null; // the conversation whose replies the open thread wants
/** @type {AbortController | null} */
let connection = null; // the connection open now
let rewatching = false; // it is being closed to open one for another conversation
let dropped = false; // the last connection ended without being asked to

// `listener` hears every event while `element` is in the page (a view's element: the
// listener goes with its view); the returned function stops it sooner.
/**
 * @param {Element} element
 * @param {LiveListener} listener
 * @returns {() => void}
 */
export function onLive(element, listener) {
  listeners.set(element, listener);
  return () => listeners.delete(element);
}

// The stream tells about new replies in one conversation, the thread on screen: a
// change opens a new connection at once (Last-Event-ID: nothing is missed meanwhile).
/** @param {number | null} conversation */
export function watchConversation(conversation) {
  if (conversation === watched) return;
  watched = conversation;
  if (connection) {
    rewatching = true;
    connection.abort();
  }
}

/** @param {LiveEvent} event */
function dispatch(event) {
  for (const [element, listener] of listeners) {
    if (!element.isConnected) {
      listeners.delete(element);
      continue;
    }
    try {
      listener(event);
    } catch (error) {
      console.warn("a live update listener failed", error); // the others still hear it
    }
  }
}

/**
 * @param {number} ms
 * @param {AbortSignal} signal
 */
function pause(ms, signal) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve(undefined);
      },
      { once: true },
    );
  });
}

// Full jitter: a random wait up to the doubled ceiling, so the tabs a restarted server
// dropped all at once do not come back all at once.
/** @param {number} attempt */
function backoff(attempt) {
  const ceiling = Math.min(LONGEST_DELAY_MS, FIRST_DELAY_MS * 2 ** attempt);
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

// One connection, read until it ends; resolves when it closes, throws when it cannot open.
/** @param {AbortSignal} stopped */
async function connectOnce(stopped) {
  const current = new AbortController();
  connection = current;
  const stop = () => current.abort();
  stopped.addEventListener("abort", stop);
  /** @type {number | undefined} */
  let watchdog;
  const alive = () => {
    clearTimeout(watchdog);
    watchdog = setTimeout(stop, SILENCE_MS);
  };
  try {
    const body = await api.events(lastEventId, current.signal, watched);
    alive();
    // Connected again after a drop: what is not replayed by Last-Event-ID (the
    // announcements published meanwhile) is for its listeners to ask for again.
    if (dropped) dispatch({ type: "reconnected", data: null, id: null });
    dropped = false;
    const parser = sseParser(
      {
        onActivity: alive,
        onEvent: (event) => {
          lastEventId = event.id;
          let data;
          try {
            data = JSON.parse(event.data);
          } catch {
            return; // not ours to understand
          }
          dispatch({ type: event.type, data, id: event.id });
        },
      },
      lastEventId,
    );
    const reader = body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.push(value);
    }
  } finally {
    clearTimeout(watchdog);
    stopped.removeEventListener("abort", stop);
    current.abort();
    if (connection === current) connection = null;
  }
}

/** @param {AbortSignal} stopped */
async function run(stopped) {
  let attempt = 0;
  while (!stopped.aborted) {
    const opened = Date.now();
    try {
      await connectOnce(stopped);
    } catch (caught) {
      const error = /** @type {ApiError} */ (caught);
      // No key any more (api.js signs the person out), or no live updates on this
      // server: trying again would not help.
      if (error.status === 401 || error.status === 403 || error.status === 404) return;
    }
    if (stopped.aborted) return;
    if (rewatching) {
      rewatching = false; // closed on purpose: open the next one now
      continue;
    }
    dropped = true;
    if (Date.now() - opened > HEALTHY_MS) attempt = 0;
    await pause(backoff(attempt), stopped);
    attempt += 1;
  }
}

// Called once someone is signed in; a second call while running does nothing.
export function startLive() {
  if (running) return;
  running = new AbortController();
  lastEventId = null; // a new person's stream starts now, not where the last one was
  dropped = false;
  run(running.signal);
}

export function stopLive() {
  running?.abort();
  running = null;
  lastEventId = null;
  watched = null;
}
