// Who is signed in: the api key (kept in localStorage) and their own profile,
// which tells every view whom they follow.
import { api, useKey } from "./api.js";
import { clearAll, read, write } from "./storage.js";

const STORAGE_KEY = "microblog.apiKey";

const state = { me: null, following: new Set(), limits: null };
const listeners = new Map(); // element → callback

export function storedKey() {
  return read("localStorage", STORAGE_KEY);
}

// Checks the key with the API before keeping it; throws ApiError (401 for a bad key).
export async function signIn(key) {
  // Both before anything is kept, so a failure leaves the person signed out, not half in.
  const [{ user }, limits] = await Promise.all([api.me(key), state.limits ?? api.limits()]);
  state.limits = limits;
  useKey(key);
  write("localStorage", STORAGE_KEY, key);
  state.me = user;
  state.following = new Set(user.following.map((person) => person.id));
  return user;
}

export function signOut() {
  useKey(null);
  write("localStorage", STORAGE_KEY, null);
  clearAll("sessionStorage"); // a draft is the signed-out person's, not the next one's
  state.me = null;
  state.following = new Set();
}

export function me() {
  return state.me;
}

export function limits() {
  return state.limits;
}

export function isMe(id) {
  return state.me !== null && state.me.id === id;
}

export function follows(id) {
  return state.following.has(id);
}

// A follow or unfollow changed who the person follows; views listening update their counts.
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
export function onFollowChange(element, listener) {
  listeners.set(element, listener);
  return () => listeners.delete(element);
}
