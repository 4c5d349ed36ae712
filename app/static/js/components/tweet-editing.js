// @ts-check
// Editing one's own post in place (the same length rules as the composer), and the
// "edited" marker beside an edited post's time, which opens its earlier versions.
/** @import { ApiError } from "../api.js" */
/** @import { Tweet, TweetVersion } from "../types.js" */
import { api } from "../api.js";
import { append, clear, h, icon, uniqueId } from "../dom.js";
import { timeElement } from "../format.js";
import { t } from "../i18n.js";
import { limits } from "../session.js";
import { openDialog } from "./dialog.js";
import { lengthCounter } from "./length-counter.js";
import { notify } from "./notice.js";

const HISTORY_PAGE = 20;

/**
 * @param {string} content
 * @param {(Node | string)[]} when
 */
function version(content, ...when) {
  return h(
    "li",
    { class: "history-entry" },
    h("p", { class: "history-when" }, when),
    h("p", { class: "history-text", dir: "auto" }, content),
  );
}

// The post now, then its earlier texts newest first, each with when it was written.
/** @param {Tweet} tweet */
function showHistory(tweet) {
  const list = h(
    "ol",
    { class: "history", "data-role": "history" },
    version(tweet.content, h("span", null, t("history.current")), " · ", timeElement(/** @type {string} */ (tweet.edited_at))),
  );
  const problem = h("p", { class: "form-error", role: "alert" });
  const more = h("button", { type: "button", class: "button", "data-action": "more-versions", hidden: true }, t("likes.more"));
  let loaded = 0;
  async function load() {
    more.disabled = true;
    problem.textContent = "";
    try {
      const page = await api.history(tweet.id, loaded, HISTORY_PAGE);
      /** @param {TweetVersion} earlier */
      const entry = (earlier) => version(earlier.content, timeElement(earlier.edited_at));
      list.append(...page.versions.map(entry));
      if (loaded === 0 && page.versions.length === 0) list.append(h("li", { class: "empty-state" }, t("history.none")));
      loaded += page.versions.length;
      more.hidden = page.versions.length < HISTORY_PAGE;
    } catch (caught) {
      problem.textContent = t("history.failed", { reason: /** @type {Error} */ (caught).message });
    } finally {
      more.disabled = false;
    }
  }
  more.addEventListener("click", load);
  openDialog({ title: t("history.title"), className: "history-dialog", body: [list, more, problem] });
  load();
}

// Beside the time of a post edited at least once; nothing for one never edited.
/** @param {Tweet} tweet */
export function editedMarker(tweet) {
  if (!tweet.edited_at) return null;
  const button = h(
    "button",
    { type: "button", class: "link-button tweet-edited", "data-action": "history", title: t("tweet.showHistory") },
    t("tweet.edited"),
  );
  button.addEventListener("click", () => showHistory(tweet));
  return button;
}

/**
 * The Edit button of one's own post: it puts an editor where the text is (`textOf()`
 * answers the text's element at the time), and `onSaved` hears the post as the
 * service now shows it.
 * @param {Tweet} tweet
 * @param {() => HTMLElement} textOf
 * @param {(tweet: Tweet) => void} onSaved
 */
export function editButton(tweet, textOf, onSaved) {
  const button = h(
    "button",
    { type: "button", class: "icon-button edit-button", "data-action": "edit", "aria-label": t("tweet.edit"), title: t("tweet.edit") },
    icon("pencil"),
  );
  button.addEventListener("click", () => {
    if (button.getAttribute("aria-expanded") === "true") return;
    button.setAttribute("aria-expanded", "true");
    const shown = textOf();
    const editor = editorFor(tweet, (saved) => {
      editor.remove();
      shown.hidden = false;
      button.removeAttribute("aria-expanded");
      if (saved) {
        onSaved(saved);
        notify(t("tweet.saved"));
      }
      button.focus();
    });
    shown.hidden = true;
    shown.after(editor);
    /** @type {HTMLTextAreaElement} */ (editor.querySelector("textarea")).focus();
  });
  return button;
}

/**
 * @param {Tweet} tweet
 * @param {(saved: Tweet | null) => void} done null: cancelled
 */
function editorFor(tweet, done) {
  const maxLength = limits().max_tweet_length;
  const textId = uniqueId("edit-text");
  const errorId = uniqueId("edit-error");
  const { counter, tooLong, show } = lengthCounter(maxLength);
  const text = h("textarea", { id: textId, name: "tweet", rows: 3, "aria-describedby": `${counter.id} ${errorId}` });
  text.value = tweet.content;
  const error = h("p", { id: errorId, class: "composer-error", role: "alert" });
  const cancel = h("button", { type: "button", class: "button", "data-action": "cancel-edit" }, t("action.cancel"));
  const save = h("button", { type: "submit", class: "button button-primary", "data-action": "save-edit" }, t("tweet.save"));
  const form = h(
    "form",
    { class: "composer tweet-editor" },
    h("label", { for: textId, class: "composer-label" }, t("tweet.editLabel")),
    text,
    tooLong,
    error,
    h("div", { class: "composer-bar" }, h("span", { class: "composer-send" }, counter, cancel, save)),
  );
  let saving = false;
  function update() {
    const used = show(text.value);
    save.disabled = saving || used === 0 || used > maxLength;
  }

  async function submit() {
    if (save.disabled) return;
    const content = text.value.trim();
    if (content === tweet.content) {
      done(null); // nothing to change
      return;
    }
    saving = true;
    update();
    clear(error);
    try {
      await api.editTweet(tweet.id, content);
    } catch (caught) {
      saving = false;
      append(error, [t("tweet.editFailed", { reason: /** @type {ApiError} */ (caught).message })]);
      update();
      text.focus();
      return;
    }
    /** @type {Tweet} */
    let saved = { ...tweet, content, edited_at: new Date().toISOString() };
    try {
      saved = (await api.tweet(tweet.id)).tweet; // its mentions and hashtags as the server read them
    } catch {
      // changed all the same: shown as typed until a reload
    }
    done(saved);
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit();
  });
  text.addEventListener("input", update);
  text.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      submit();
    } else if (event.key === "Escape" && !saving) {
      event.preventDefault();
      done(null);
    }
  });
  cancel.addEventListener("click", () => done(null));
  update();
  return form;
}
