// @ts-check
// Browser storage that may be switched off (private modes, policies): then reads
// find nothing and writes are dropped, and the app works for the visit only.
// `store` is "localStorage" or "sessionStorage": even reaching one can throw.

/** @typedef {"localStorage" | "sessionStorage"} Store */

/**
 * @param {Store} store
 * @param {string} key
 * @returns {string | null}
 */
export function read(store, key) {
  try {
    return window[store].getItem(key);
  } catch {
    return null;
  }
}

// `value` null or "" removes the entry.
/**
 * @param {Store} store
 * @param {string} key
 * @param {string | null} value
 */
export function write(store, key, value) {
  try {
    if (value) window[store].setItem(key, value);
    else window[store].removeItem(key);
  } catch {
    // switched off
  }
}

/** @param {Store} store */
export function clearAll(store) {
  try {
    window[store].clear();
  } catch {
    // switched off
  }
}
