// The one place that talks to the API: adds the api-key header and turns the
// error envelope {"result": false, "error_type", "error_message"} into an ApiError.
import { t } from "./i18n.js";

export class ApiError extends Error {
  // `message` is the API's own error_message, shown as it is; an error of the web
  // app's own (no answer, say) is a catalogue key instead, and its message then reads
  // in whatever language the page has when it is shown.
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

let apiKey = null;
let onUnauthorized = () => {};

export function useKey(key) {
  apiKey = key;
}

// Called when the stored key stops working (someone rotated it, say).
export function whenUnauthorized(callback) {
  onUnauthorized = callback;
}

function headersFor(key) {
  const headers = { accept: "application/json" };
  if (key) headers["api-key"] = key;
  return headers;
}

function errorFrom(status, data) {
  if (data && data.result === false && typeof data.error_message === "string") {
    return new ApiError(status, data.error_type ?? "Error", data.error_message);
  }
  if (status === 0) return new ApiError(0, "NetworkError", "", { key: "error.network" });
  return new ApiError(status, "Error", "", { key: "error.status", params: { status } });
}

function settle(status, data, key) {
  if (status >= 200 && status < 300 && data && data.result === true) return data;
  if (status === 401 && key && key === apiKey) onUnauthorized();
  throw errorFrom(status, data);
}

async function request(method, path, { body, key = apiKey } = {}) {
  const headers = headersFor(key);
  const init = { method, headers };
  if (body !== undefined) {
    headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw errorFrom(0, null);
  }
  const data = await response.json().catch(() => null);
  return settle(response.status, data, key);
}

function query(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(name, value);
  }
  return search.toString();
}

// A picture not yet in a tweet is shown to its owner only, so `<img src>` (which sends
// no api key) cannot load it: its bytes come here, with the key.
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
        resolve(settle(xhr.status, xhr.response, apiKey));
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

export const api = {
  limits: () => request("GET", "/api/limits"),
  unpostedPicture,
  me: (key) => request("GET", "/api/users/me", { key }),
  // The counts only: the lists come a page at a time from `people`.
  user: (id) => request("GET", `/api/users/${id}?people_limit=0`),
  people: (id, relation, offset, limit) => request("GET", `/api/users/${id}/${relation}?${query({ offset, limit })}`),
  userTweets: (id, offset, limit) => request("GET", `/api/users/${id}/tweets?${query({ offset, limit })}`),
  directory: (q, offset, limit) => request("GET", `/api/users?${query({ q, offset, limit })}`),
  follow: (id) => request("POST", `/api/users/${id}/follow`),
  unfollow: (id) => request("DELETE", `/api/users/${id}/follow`),
  feed: (offset, limit) => request("GET", `/api/tweets?${query({ offset, limit })}`),
  postTweet: (text, mediaIds) => request("POST", "/api/tweets", { body: { tweet_data: text, tweet_media_ids: mediaIds } }),
  deleteTweet: (id) => request("DELETE", `/api/tweets/${id}`),
  like: (id) => request("POST", `/api/tweets/${id}/likes`),
  unlike: (id) => request("DELETE", `/api/tweets/${id}/likes`),
  likers: (id, offset, limit) => request("GET", `/api/tweets/${id}/likes?${query({ offset, limit })}`),
  upload,
};
