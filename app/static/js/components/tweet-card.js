// One tweet: author, time, text with links, up to four pictures, likes, and delete
// for the author. Likes change at once and are rolled back if the API refuses.
import { api } from "../api.js";
import { h, icon } from "../dom.js";
import { linkified, timeElement } from "../format.js";
import { t } from "../i18n.js";
import { isMe, me } from "../session.js";
import { confirmDialog, openDialog } from "./dialog.js";
import { openLightbox } from "./lightbox.js";
import { notify, notifyError } from "./notice.js";
import { avatar, personRow, profileLink } from "./person.js";

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

function showLikers(tweet) {
  openDialog({
    title: t("likes.title"),
    className: "likers",
    body: h("ul", { class: "people" }, tweet.likes.map((liker) => personRow({ id: liker.user_id, name: liker.name }))),
  });
}

function likes(tweet) {
  const liked = () => tweet.likes.some((like) => like.user_id === me().id);
  const button = h("button", { type: "button", class: "icon-button like-button", "data-action": "like" }, icon("heart"));
  const count = h("span", { class: "likes" });
  let busy = false;

  function show() {
    const on = liked();
    button.setAttribute("aria-pressed", String(on));
    button.setAttribute("aria-label", t(on ? "likes.unlike" : "likes.like"));
    button.title = t(on ? "likes.unlike" : "likes.like");
    const label = t("likes.count", { count: tweet.likes_count });
    count.replaceChildren(
      tweet.likes_count > 0
        ? h("button", { type: "button", class: "link-button likes-count", "data-action": "likers", onclick: () => showLikers(tweet) }, label)
        : h("span", { class: "likes-count" }, label),
    );
  }

  function toggle(on) {
    const self = me();
    tweet.likes = on
      ? [...tweet.likes, { user_id: self.id, name: self.name }]
      : tweet.likes.filter((like) => like.user_id !== self.id);
    tweet.likes_count += on ? 1 : -1;
    show();
  }

  button.addEventListener("click", async () => {
    if (busy) return;
    busy = true;
    const on = !liked();
    toggle(on); // at once; undone below if the API says no
    try {
      await (on ? api.like(tweet.id) : api.unlike(tweet.id));
    } catch (error) {
      toggle(!on);
      notifyError(t(on ? "likes.failedLike" : "likes.failedUnlike", { reason: error.message }));
    } finally {
      busy = false;
    }
  });
  show();
  return [button, count];
}

function deleteButton(tweet, card, onDeleted) {
  const button = h(
    "button",
    { type: "button", class: "icon-button delete-button", "data-action": "delete", "aria-label": t("tweet.delete"), title: t("tweet.delete") },
    icon("trash"),
  );
  button.addEventListener("click", async () => {
    const sure = await confirmDialog({
      title: t("tweet.deleteTitle"),
      message: t("tweet.deleteQuestion"),
      confirmLabel: t("tweet.deleteConfirm"),
    });
    if (!sure) {
      button.focus();
      return;
    }
    button.disabled = true;
    try {
      await api.deleteTweet(tweet.id);
      card.remove();
      onDeleted?.(tweet);
      notify(t("tweet.deleted"));
    } catch (error) {
      button.disabled = false;
      notifyError(t("tweet.deleteFailed", { reason: error.message }));
    }
  });
  return button;
}

export function tweetCard(tweet, { onDeleted } = {}) {
  const card = h("article", { class: "tweet", dataset: { tweetId: tweet.id }, "aria-label": t("tweet.by", { name: tweet.author.name }) });
  card.append(
    avatar(tweet.author),
    h(
      "div",
      { class: "tweet-main" },
      h(
        "header",
        { class: "tweet-header" },
        profileLink(tweet.author, "tweet-author"),
        timeElement(tweet.created_at),
        isMe(tweet.author.id) ? deleteButton(tweet, card, onDeleted) : null,
      ),
      h("p", { class: "tweet-text" }, linkified(tweet.content)),
      pictures(tweet),
      h("footer", { class: "tweet-actions" }, likes(tweet)),
    ),
  );
  return card;
}
