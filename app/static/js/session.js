// @ts-check
// Who is signed in: by the api key (kept in localStorage) or by the session cookie
// the company account's sign-in left (HttpOnly: the server says whether it signs
// this browser in), and their own profile, which tells every view whom they follow.
/** @import { Limits, OidcInfo, Profile, UserRef } from "./types.js" */
import { api, useCookie, useKey } from "./api.js";
import { stopLive } from "./live.js";
import { clearAll, read, write } from "./storage.js";

/**
 * Hears that the signed-in person followed (`following` true) or unfollowed `person`.
 * @callback FollowListener
 * @param {UserRef} person
 * @param {boolean} following
 * @returns {void}
 */

const STORAGE_KEY = "microblog.apiKey";

/** @type {{ me: Profile | null, following: Set<number>, limits: Limits | null, byCookie: boolean, oidc: OidcInfo | null }} */
const state = { me: null, following: new Set(), limits: null, byCookie: false, oidc: null };
/** @type {Map<Element, FollowListener>} */
const listeners = new Map(); // element → callback

export function storedKey() {
  return read("localStorage", STORAGE_KEY);
}

// Checks the key with the API before keeping it; throws ApiError (401 for a bad key).
/**
 * @param {string} key
 * @returns {Promise<Profile>}
 */
export async function signIn(key) {
  // Both before anything is kept, so a failure leaves the person signed out, not half in.
  const [{ user }, limits] = await Promise.all([api.me(key), state.limits ?? api.limits()]);
  state.limits = limits;
  useKey(key);
  write("localStorage", STORAGE_KEY, key);
  return welcome(user, false);
}

// What the server says of signing in here: whether the company account is offered
// and whether this browser's cookie already signs it in (asked once a visit; again
// after signing out).
/** @returns {Promise<OidcInfo>} */
export async function signInOptions() {
  state.oidc ??= await api.oidc();
  return state.oidc;
}

// Signed in by the session cookie, if the server said so; false if not.
/** @returns {Promise<boolean>} */
export async function resume() {
  if (!(await signInOptions()).signed_in) return false;
  const [{ user }, limits] = await Promise.all([api.me(null), state.limits ?? api.limits()]);
  state.limits = limits;
  useCookie(true);
  welcome(user, true);
  return true;
}

/**
 * @param {Profile} user
 * @param {boolean} byCookie
 */
function welcome(user, byCookie) {
  state.me = user;
  state.byCookie = byCookie;
  state.following = new Set(user.following.map((person) => person.id));
  return user;
}

// Signed in with the company account (a session), not with a key.
export function signedInByCookie() {
  return state.byCookie;
}

// Signs out: forgets the key, or ends this browser's session at the server (its
// cookie cannot be forgotten here; a session that has ended is fine).
export async function signOut() {
  const byCookie = state.byCookie;
  forget();
  // (A failure leaves the session to its expiry: the next visit asks the server again.)
  if (byCookie) await api.signOut().catch(() => {});
}

function forget() {
  stopLive(); // the stream was the signed-out person's
  useKey(null);
  useCookie(false);
  state.oidc = null; // the cookie's answer changed
  state.byCookie = false;
  write("localStorage", STORAGE_KEY, null);
  clearAll("sessionStorage"); // a draft is the signed-out person's, not the next one's
  state.me = null;
  state.following = new Set();
}

// The signed-in person's profile; null while no one is signed in.
export function me() {
  return state.me;
}

// The same, for the code that runs only while someone is signed in (the frame, the
// views and their parts): it throws if no one is, as reading a field of null did.
/** @returns {Profile} */
export function signedIn() {
  if (state.me === null) throw new Error("No one is signed in");
  return state.me;
}

// The server's limits, read when signing in (so there while someone is signed in).
/** @returns {Limits} */
export function limits() {
  if (state.limits === null) throw new Error("The limits are read when signing in");
  return state.limits;
}

/** @param {number} id */
export function isMe(id) {
  return state.me !== null && state.me.id === id;
}

// Administrators may delete anyone's post (moderation, on the audit log).
export function isAdmin() {
  return state.me !== null && state.me.is_admin === true;
}

/** @param {number} id */
export function follows(id) {
  return state.following.has(id);
}

// A follow or unfollow changed who the person follows; views listening update their counts.
/**
 * @param {UserRef} person
 * @param {boolean} following
 */
export function setFollowing(person, following) {
  if (following) {
    state.following.add(person.id);
  } else {
    state.following.delete(person.id);
  }
  for (const [element, listener] of listeners) {
    if (!element.isConnected) {
      listeners.delete(element); // its view is gone
      continue;
    }
    try {
      listener(person, following);
    } catch (error) {
      console.error(error); // one broken view must not undo the follow for the others
    }
  }
}

// `listener` hears of follow changes while `element` is in the page; the returned
// function stops it sooner.
/**
 * @param {Element} element
 * @param {FollowListener} listener
 * @returns {() => void}
 */
export function onFollowChange(element, listener) {
  listeners.set(element, listener);
  return () => listeners.delete(element);
}
