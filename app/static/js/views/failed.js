// @ts-check
// What a view shows when what its address names cannot be shown: its title and why.
import { ApiError } from "../api.js";
import { h } from "../dom.js";

const LARGEST_ID = 2n ** 63n - 1n;

// An id the API could never have given (0, or past its range) names nothing: the
// answer it would get, without asking.
/** @param {string} id digits, as the route's pattern takes them */
export function checkId(id) {
  if (BigInt(id) < 1n || BigInt(id) > LARGEST_ID) throw new ApiError(404, "NotFound", "");
}

/**
 * @param {HTMLElement} view the view's element, replaced by this
 * @param {string} title
 * @param {string} message
 */
export function showFailure(view, title, message) {
  view.replaceChildren(h("h1", { class: "page-title" }, title), h("p", { class: "empty-state", role: "alert" }, message));
}
