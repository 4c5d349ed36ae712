// @ts-check
// The one place that talks to the API: adds the api-key header (or, signed in with
// the company account, lets the browser send the session cookie, same-origin) and
// the X-Requested-With header the server asks of cookie-signed writes, and turns the
// error envelope {"result": false, "error_type", "error_message"} into an ApiError.
/** @import { Envelope, LikerList, Limits, MediaCreated, Ok, PeopleList, ProfileAnswer } from "./types.js" */
/** @import { Relation, TweetCreated, TweetList, UserList } from "./types.js" */
/** @import { NotificationList, ThreadAnswer, TrendingList, TweetAnswer, TweetHistory, UnreadCount } from "./types.js" */
/** @import { OidcInfo, SessionList, SessionsEnded } from "./types.js" */
/** @import { MessageKey, MessageParams } from "./i18n.js" */
import { t } from "./i18n.js";

export class ApiError extends Error {
  // `message` is the API's own error_message, shown as it is; an error of the web
  // app's own (no answer, say) is a catalogue key instead, and its message then reads
  // in whatever language the page has when it is shown.
  /**
   * @param {number} status the HTTP status; 0 when no answer came
   * @param {string} type the API's error_type ("NotFound"), or the web app's own ("NetworkError")
   * @param {string} message
   * @param {{ key: MessageKey, params?: MessageParams } | null} [own]
   */
  constructor(status, type, message, own = null) {
    super(message);
    this.status = status;
    this.type = type;
    if (own) Object.defineProperty(this, "message", { get: () => t(own.key, own.params) });
  }

  // No answer, or an answer that the service is down: worth trying again later.
  get unavailable() {
    return this.status === 0 || this.status === 502 || this.status === 503 || this.status === 504;
  }
}

/** @type {string | null} */
let apiKey = null;
// Signed in by the session cookie (which scripts cannot see): no key to send.
let byCookie = false;
/** @type {() => void} */
let onUnauthorized = () => {};

/** @param {string | null} key */
export function useKey(key) {
  apiKey = key;
  byCookie = false;
}

// Signed in (or out, false) by the session cookie.
/** @param {boolean} signedIn */
export function useCookie(signedIn) {
  apiKey = null;
  byCookie = signedIn;
}

// Called when the stored key stops working (someone rotated it, say).
/** @param {() => void} callback */
export function whenUnauthorized(callback) {
  onUnauthorized = callback;
}

/** @param {string | null} key */
function headersFor(key) {
  /** @type {Record<string, string>} */
  const headers = { accept: "application/json", "x-requested-with": "microblog" };
  if (key) headers["api-key"] = key;
  return headers;
}

/**
 * @param {number} status
 * @param {Envelope} data
 */
function errorFrom(status, data) {
  if (data && data.result === false && typeof data.error_message === "string") {
    return new ApiError(status, data.error_type ?? "Error", data.error_message);
  }
  if (status === 0) return new ApiError(0, "NetworkError", "", { key: "error.network" });
  return new ApiError(status, "Error", "", { key: "error.status", params: { status } });
}

// The answer's body once it says it went well; the callers give it the endpoint's shape.
/**
 * @param {number} status
 * @param {Envelope} data
 * @param {string | null} key
 * @returns {Ok}
 */
function settle(status, data, key) {
  if (status >= 200 && status < 300 && data && data.result === true) return /** @type {Ok} */ (data);
  if (status === 401 && key === apiKey && (key || byCookie)) onUnauthorized();
  throw errorFrom(status, data);
}

/** @typedef {"GET" | "POST" | "PATCH" | "DELETE"} Method */

// Every request but the event stream and uploads goes out here, with the credentials.
/**
 * @param {Method} method
 * @param {string} path
 * @param {string | null} key
 * @param {unknown} [body] sent as JSON
 * @returns {Promise<Response>}
 */
async function send(method, path, key, body) {
  const headers = headersFor(key);
  /** @type {RequestInit} */
  const init = { method, headers };
  if (body !== undefined) {
    headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  try {
    return await fetch(path, init);
  } catch {
    throw errorFrom(0, null);
  }
}

/**
 * @template {Ok} T
 * @param {Method} method
 * @param {string} path
 * @param {{ body?: unknown, key?: string | null }} [options] `key` instead of the signed-in one
 * @returns {Promise<T>}
 */
export async function request(method, path, { body, key = apiKey } = {}) {
  const response = await send(method, path, key, body);
  const data = await response.json().catch(() => null);
  return /** @type {T} */ (settle(response.status, data, key));
}

// The archive of one's own data: bytes, not JSON, saved by the caller under `name`.
/** @returns {Promise<{ blob: Blob, name: string }>} */
async function exportData() {
  const key = apiKey;
  const response = await send("GET", "/api/users/me/export", key);
  if (!response.ok) settle(response.status, await response.json().catch(() => null), key);
  const disposition = response.headers.get("content-disposition") ?? "";
  const name = disposition.match(/filename="([^"]+)"/)?.[1] ?? "microblog-export.zip";
  let blob;
  try {
    blob = await response.blob();
  } catch {
    throw errorFrom(0, null); // cut off midway
  }
  return { blob, name };
}

// The live updates stream (GET /api/events): its body to read as it comes, with the
// key in a header like every other request, never in the address (live.js reads it).
/**
 * @param {string | null} lastEventId the last event seen, for the server to send what came since
 * @param {AbortSignal} signal
 * @param {number | null} conversation the open thread's conversation, whose replies to hear
 * @returns {Promise<ReadableStream<Uint8Array>>}
 */
async function events(lastEventId, signal, conversation) {
  const key = apiKey;
  const headers = headersFor(key);
  headers.accept = "text/event-stream";
  if (lastEventId) headers["last-event-id"] = lastEventId;
  let response;
  try {
    const address = conversation ? `/api/events?${query({ conversation })}` : "/api/events";
    response = await fetch(address, { headers, signal, cache: "no-store" });
  } catch {
    throw errorFrom(0, null);
  }
  if (!response.ok || !response.body) settle(response.status, await response.json().catch(() => null), key);
  return /** @type {ReadableStream<Uint8Array>} */ (response.body);
}

/** @param {Record<string, string | number | null | undefined>} params */
export function query(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(name, String(value));
  }
  return search.toString();
}

// A picture not yet in a tweet is shown to its owner only, so `<img src>` (which sends
// no api key) cannot load it: its bytes come here, with the key.
/**
 * @param {string} url
 * @returns {Promise<Blob>}
 */
async function unpostedPicture(url) {
  let response;
  try {
    response = await fetch(url, { headers: headersFor(apiKey) });
  } catch {
    throw errorFrom(0, null);
  }
  if (!response.ok) throw errorFrom(response.status, await response.json().catch(() => null));
  return response.blob();
}

// Uploads go through XMLHttpRequest, the one browser API that reports upload progress.
/**
 * @param {File} file
 * @param {{ onProgress?: (fraction: number) => void, signal?: AbortSignal }} [options]
 * @returns {Promise<MediaCreated>}
 */
function upload(file, { onProgress, signal } = {}) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/medias");
    for (const [name, value] of Object.entries(headersFor(apiKey))) xhr.setRequestHeader(name, value);
    xhr.responseType = "json";
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable && onProgress) onProgress(event.loaded / event.total);
    });
    xhr.addEventListener("load", () => {
      try {
        resolve(/** @type {MediaCreated} */ (settle(xhr.status, xhr.response, apiKey)));
      } catch (error) {
        reject(error);
      }
    });
    xhr.addEventListener("error", () => reject(errorFrom(0, null)));
    xhr.addEventListener("abort", () => reject(new ApiError(0, "Aborted", "", { key: "error.aborted" })));
    signal?.addEventListener("abort", () => xhr.abort());
    const form = new FormData();
    form.append("file", file);
    xhr.send(form);
  });
}

/**
 * The endpoints the web app calls, each answering its success body (or throwing ApiError).
 * @typedef {object} Api
 * @property {() => Promise<Limits>} limits
 * @property {typeof unpostedPicture} unpostedPicture
 * @property {(key: string | null) => Promise<ProfileAnswer>} me with this key, or null: by the session cookie
 * @property {() => Promise<OidcInfo>} oidc
 * @property {() => Promise<Ok>} signOut
 * @property {(offset: number, limit: number) => Promise<SessionList>} sessions
 * @property {(id: number) => Promise<SessionsEnded>} endSession
 * @property {() => Promise<SessionsEnded>} endAllSessions
 * @property {(id: number | string) => Promise<ProfileAnswer>} user
 * @property {(id: number, relation: Relation, offset: number, limit: number) => Promise<PeopleList>} people
 * @property {(id: number, offset: number, limit: number) => Promise<TweetList>} userTweets
 * @property {(q: string, offset: number, limit: number) => Promise<UserList>} directory
 * @property {(id: number) => Promise<Ok>} follow
 * @property {(id: number) => Promise<Ok>} unfollow
 * @property {(offset: number, limit: number) => Promise<TweetList>} feed
 * @property {(text: string, mediaIds: number[], replyTo?: number | null) => Promise<TweetCreated>} postTweet
 * @property {(id: number | string) => Promise<TweetAnswer>} tweet
 * @property {(id: number, text: string) => Promise<Ok>} editTweet
 * @property {(id: number, offset: number, limit: number) => Promise<TweetHistory>} history
 * @property {typeof exportData} exportData
 * @property {(id: number | string) => Promise<ThreadAnswer>} thread
 * @property {(id: number, offset: number, limit: number) => Promise<TweetList>} replies
 * @property {(handle: string) => Promise<ProfileAnswer>} userByHandle
 * @property {(offset: number, limit: number) => Promise<NotificationList>} notifications
 * @property {() => Promise<UnreadCount>} unreadCount
 * @property {(upToId: number) => Promise<Ok>} markRead
 * @property {typeof events} events
 * @property {(id: number) => Promise<Ok>} deleteTweet
 * @property {(id: number) => Promise<Ok>} like
 * @property {(id: number) => Promise<Ok>} unlike
 * @property {(id: number, offset: number, limit: number) => Promise<LikerList>} likers
 * @property {typeof upload} upload
 * @property {(q: string, offset: number, limit: number) => Promise<TweetList>} search
 * @property {(tag: string, offset: number, limit: number) => Promise<TweetList>} hashtagTweets
 * @property {(hours: number, limit: number) => Promise<TrendingList>} trending
 */

/** @type {Api} */
export const api = {
  limits: () => request("GET", "/api/limits"),
  unpostedPicture,
  me: (key) => request("GET", "/api/users/me", { key }),
  oidc: () => request("GET", "/auth/oidc", { key: null }),
  signOut: () => request("POST", "/auth/logout", { key: null }),
  sessions: (offset, limit) => request("GET", `/api/sessions?${query({ offset, limit })}`),
  endSession: (id) => request("DELETE", `/api/sessions/${id}`),
  endAllSessions: () => request("DELETE", "/api/sessions"),
  // The counts only: the lists come a page at a time from `people`.
  user: (id) => request("GET", `/api/users/${id}?people_limit=0`),
  people: (id, relation, offset, limit) => request("GET", `/api/users/${id}/${relation}?${query({ offset, limit })}`),
  userTweets: (id, offset, limit) => request("GET", `/api/users/${id}/tweets?${query({ offset, limit })}`),
  directory: (q, offset, limit) => request("GET", `/api/users?${query({ q, offset, limit })}`),
  follow: (id) => request("POST", `/api/users/${id}/follow`),
  unfollow: (id) => request("DELETE", `/api/users/${id}/follow`),
  feed: (offset, limit) => request("GET", `/api/tweets?${query({ offset, limit })}`),
  // reply_to only for a reply: a plain post's body stays as the stock client sends it.
  postTweet: (text, mediaIds, replyTo = null) =>
    request("POST", "/api/tweets", {
      body: { tweet_data: text, tweet_media_ids: mediaIds, ...(replyTo === null ? {} : { reply_to: replyTo }) },
    }),
  tweet: (id) => request("GET", `/api/tweets/${id}`),
  editTweet: (id, text) => request("PATCH", `/api/tweets/${id}`, { body: { tweet_data: text } }),
  history: (id, offset, limit) => request("GET", `/api/tweets/${id}/history?${query({ offset, limit })}`),
  exportData,
  thread: (id) => request("GET", `/api/tweets/${id}/thread`),
  replies: (id, offset, limit) => request("GET", `/api/tweets/${id}/replies?${query({ offset, limit })}`),
  userByHandle: (handle) => request("GET", `/api/users/by-handle/${encodeURIComponent(handle)}?people_limit=0`),
  notifications: (offset, limit) => request("GET", `/api/notifications?${query({ offset, limit })}`),
  unreadCount: () => request("GET", "/api/notifications/unread_count"),
  markRead: (upToId) => request("POST", "/api/notifications/read", { body: { up_to_id: upToId } }),
  events,
  deleteTweet: (id) => request("DELETE", `/api/tweets/${id}`),
  like: (id) => request("POST", `/api/tweets/${id}/likes`),
  unlike: (id) => request("DELETE", `/api/tweets/${id}/likes`),
  likers: (id, offset, limit) => request("GET", `/api/tweets/${id}/likes?${query({ offset, limit })}`),
  upload,
  search: (q, offset, limit) => request("GET", `/api/search/tweets?${query({ q, offset, limit })}`),
  hashtagTweets: (tag, offset, limit) => request("GET", `/api/hashtags/${encodeURIComponent(tag)}/tweets?${query({ offset, limit })}`),
  trending: (hours, limit) => request("GET", `/api/hashtags/trending?${query({ hours, limit })}`),
};
