// @ts-check
// One tweet: author and handle (marked when a former member), time (a link to its
// conversation) and whether it was edited, text with links, mentions and hashtags (and
// the words a search found marked), up to four pictures, likes, replies, and editing
// and deleting for the author.
// Likes change at once and are rolled back if the API refuses.
/** @import { ApiError } from "../api.js" */
/** @import { Marks } from "../post-text.js" */
/** @import { Liker, Tweet } from "../types.js" */
import { api } from "../api.js";
import { h, icon } from "../dom.js";
import { timeElement } from "../format.js";
import { t } from "../i18n.js";
import { postText } from "../post-text.js";
import { isAdmin, isMe, signedIn } from "../session.js";
import { confirmDialog, openDialog } from "./dialog.js";
import { openLightbox } from "./lightbox.js";
import { notify, notifyError } from "./notice.js";
import { avatar, handleOf, personRow, profileLink } from "./person.js";
import { openReply } from "./reply.js";
import { reportButton } from "./report.js";
import { editButton, editedMarker } from "./tweet-editing.js";

/** @param {Tweet} tweet */
function pictures(tweet) {
  const urls = tweet.attachments;
  if (urls.length === 0) return null;
  return h(
    "div",
    { class: ["tweet-media", `media-${Math.min(urls.length, 4)}`] },
    urls.slice(0, 4).map((url, index) => {
      const alt = t("tweet.pictureAlt", { author: tweet.author.name, number: index + 1, count: urls.length });
      const open = h(
        "button",
        { type: "button", class: "media-item", "aria-label": t("tweet.openPicture", { number: index + 1, count: urls.length }) },
        h("img", { src: url, alt, loading: "lazy", decoding: "async" }),
      );
      open.addEventListener("click", () => openLightbox(urls, index, tweet.author.name));
      return open;
    }),
  );
}

const LIKERS_PAGE = 100;

/** @param {Tweet} tweet */
function showLikers(tweet) {
  /** @param {Liker} liker */
  const row = (liker) => personRow({ id: liker.user_id, name: liker.name, handle: liker.handle });
  const list = h("ul", { class: "people" }, tweet.likes.map(row));
  /** @type {Node[]} */
  const body = [list];
  if (tweet.likes_count > tweet.likes.length) {
    // A tweet in a list carries only its first likers; everyone comes a page at a time.
    const problem = h("p", { class: "form-error", role: "alert" });
    const more = h("button", { type: "button", class: "button", "data-action": "more-likers" }, t("likes.more"));
    let loaded = 0;
    more.addEventListener("click", async () => {
      more.disabled = true;
      problem.textContent = "";
      try {
        const page = await api.likers(tweet.id, loaded, LIKERS_PAGE);
        if (loaded === 0) list.replaceChildren();
        list.append(...page.likes.map(row));
        loaded += page.likes.length;
        more.hidden = page.likes.length < LIKERS_PAGE;
      } catch (caught) {
        const error = /** @type {Error} */ (caught);
        problem.textContent = t("list.failed", { reason: error.message });
      } finally {
        more.disabled = false;
      }
    });
    body.push(more, problem);
    openDialog({ title: t("likes.title"), className: "likers", body });
    more.click(); // the first full page at once; the likers the tweet carried show meanwhile
    return;
  }
  openDialog({ title: t("likes.title"), className: "likers", body });
}

// The like button and the count (a button that lists the likers); `gone` is called
// when the tweet turns out to be deleted.
/**
 * @param {Tweet} tweet
 * @param {() => void} gone
 */
function likes(tweet, gone) {
  const liked = () => tweet.likes.some((like) => like.user_id === signedIn().id);
  // The name stays "Like"; aria-pressed says whether it is on.
  const button = h(
    "button",
    { type: "button", class: "icon-button like-button", "data-action": "like", "aria-label": t("likes.like"), title: t("likes.like") },
    icon("heart"),
  );
  const count = h("span", { class: "likes" });
  let confirmed = liked(); // as the server has it
  let sending = false;

  function show() {
    button.setAttribute("aria-pressed", String(liked()));
    const label = t("likes.count", { count: tweet.likes_count });
    count.replaceChildren(tweet.likes_count > 0 ? likersButton(label) : h("span", { class: "likes-count" }, label));
  }

  /** @param {string} label */
  function likersButton(label) {
    const button = h("button", { type: "button", class: "link-button likes-count", "data-action": "likers" }, label);
    button.addEventListener("click", () => showLikers(tweet));
    return button;
  }

  /** @param {boolean} on */
  function toggle(on) {
    const self = signedIn();
    tweet.likes = on ? [...tweet.likes, { user_id: self.id, name: self.name }] : tweet.likes.filter((like) => like.user_id !== self.id);
    tweet.likes_count += on ? 1 : -1;
    show();
  }

  // Clicks change the page at once; requests follow one at a time until the server
  // agrees with the last click. A refusal puts back what the server has.
  async function send() {
    if (sending) return;
    sending = true;
    button.setAttribute("aria-busy", "true");
    while (liked() !== confirmed) {
      const on = liked();
      try {
        await (on ? api.like(tweet.id) : api.unlike(tweet.id));
        confirmed = on;
      } catch (caught) {
        const error = /** @type {ApiError} */ (caught);
        if (liked() !== confirmed) toggle(confirmed);
        if (error.status === 404)
          gone(); // its author deleted it meanwhile
        else notifyError(t(on ? "likes.failedLike" : "likes.failedUnlike", { reason: error.message }));
        break;
      }
    }
    sending = false;
    button.removeAttribute("aria-busy");
  }

  button.addEventListener("click", () => {
    toggle(!liked());
    send();
  });
  show();
  return [button, count];
}

/**
 * @param {Tweet} tweet
 * @param {HTMLElement} card
 * @param {((tweet: Tweet) => void) | undefined} onDeleted
 */
function deleteButton(tweet, card, onDeleted) {
  const button = h(
    "button",
    {
      type: "button",
      class: "icon-button delete-button",
      "data-action": "delete",
      "aria-label": t("tweet.delete"),
      title: t("tweet.delete"),
    },
    icon("trash"),
  );
  button.addEventListener("click", async () => {
    const sure = await confirmDialog({
      title: t("tweet.deleteTitle"),
      // An administrator removing someone else's post: it goes on the audit log.
      message: isMe(tweet.author.id) ? t("tweet.deleteQuestion") : t("tweet.moderateQuestion", { name: tweet.author.name }),
      confirmLabel: t("tweet.deleteConfirm"),
    });
    if (!sure) {
      button.focus();
      return;
    }
    button.setAttribute("aria-busy", "true");
    try {
      await api.deleteTweet(tweet.id);
    } catch (caught) {
      const error = /** @type {Error} */ (caught);
      button.removeAttribute("aria-busy");
      button.focus();
      notifyError(t("tweet.deleteFailed", { reason: error.message }));
      return;
    }
    // Focus goes to the next post (or the one before), not lost with the removed one.
    const neighbour = card.nextElementSibling ?? card.previousElementSibling;
    card.remove();
    onDeleted?.(tweet);
    notify(t("tweet.deleted"));
    const next = /** @type {HTMLElement | null} */ (neighbour ?? document.querySelector("main h1"));
    if (next) {
      next.tabIndex = -1;
      next.focus();
    }
  });
  return button;
}

// The reply button, and how many replies there are (a link to the conversation).
// `onReply` replaces the reply dialog (a conversation's own reply box, say).
/**
 * @param {Tweet} tweet
 * @param {(() => void) | undefined} onReply
 */
function replies(tweet, onReply) {
  const button = h(
    "button",
    { type: "button", class: "icon-button reply-button", "data-action": "reply", "aria-label": t("tweet.reply"), title: t("tweet.reply") },
    icon("reply"),
  );
  const count = h("a", { href: `/tweets/${tweet.id}`, class: "replies-count", dataset: { role: "replies-count" } });
  const show = () => {
    count.textContent = t("tweet.repliesCount", { count: tweet.replies_count ?? 0 });
  };
  button.addEventListener("click", () => {
    if (onReply) onReply();
    else
      openReply(tweet, () => {
        tweet.replies_count = (tweet.replies_count ?? 0) + 1;
        show();
      });
  });
  show();
  return [button, count];
}

/**
 * What tweetCard() is given besides the tweet: `onDeleted` hears that it was deleted,
 * here or (found out on a like) elsewhere; `inThread` leaves out "in reply to" (the
 * conversation is on screen); `onReply` replaces the reply dialog; `marks` are the
 * words and hashtags a search found, marked in the text.
 * @typedef {object} TweetCardOptions
 * @property {(tweet: Tweet) => void} [onDeleted]
 * @property {boolean} [inThread]
 * @property {() => void} [onReply]
 * @property {Marks} [marks]
 */

/**
 * @param {Tweet} tweet
 * @param {TweetCardOptions} [options]
 */
export function tweetCard(tweet, { onDeleted, inThread = false, onReply, marks } = {}) {
  const card = h("article", { class: "tweet", dataset: { tweetId: tweet.id }, "aria-label": t("tweet.by", { name: tweet.author.name }) });
  const answers = (tweet.reply_to != null || tweet.reply_to_deleted === true) && !inThread;
  const own = isMe(tweet.author.id);
  // Someone an administrator deactivated: their posts stay, their name marked.
  const former = tweet.author.active === false;
  /** @param {Marks | undefined} marked */
  const textOf = (marked) => h("p", { class: "tweet-text", dir: "auto" }, postText(tweet, marked));
  let text = textOf(marks);
  const edited = h("span", { class: "tweet-edited-slot" }, editedMarker(tweet));
  /** @param {Tweet} saved */
  const showSaved = (saved) => {
    Object.assign(tweet, saved);
    const fresh = textOf(undefined); // what a search marked was in the old text
    text.replaceWith(fresh);
    text = fresh;
    edited.replaceChildren(editedMarker(tweet) ?? "");
  };
  card.append(
    avatar(tweet.author),
    h(
      "div",
      { class: "tweet-main" },
      h(
        "header",
        { class: "tweet-header" },
        profileLink(tweet.author, former ? "tweet-author is-former" : "tweet-author"),
        former ? h("span", { class: "former-member", "data-role": "former-member" }, t("tweet.formerMember")) : null,
        handleOf(tweet.author),
        h("a", { href: `/tweets/${tweet.id}`, class: "tweet-time" }, timeElement(tweet.created_at)),
        edited,
        own ? editButton(tweet, () => text, showSaved) : null,
        own || isAdmin() ? deleteButton(tweet, card, onDeleted) : null,
        own ? null : reportButton(tweet),
      ),
      // The conversation it belongs to shows what it answers (or that it was deleted).
      answers
        ? h("p", { class: "tweet-context" }, h("a", { href: `/tweets/${tweet.id}`, "data-role": "in-reply" }, t("tweet.inReply")))
        : null,
      text,
      pictures(tweet),
      h(
        "footer",
        { class: "tweet-actions" },
        likes(tweet, () => {
          card.remove();
          onDeleted?.(tweet);
          notifyError(t("tweet.gone"));
        }),
        replies(tweet, onReply),
      ),
    ),
  );
  return card;
}
