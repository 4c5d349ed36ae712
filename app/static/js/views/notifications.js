// @ts-check
// Your notifications, newest first, a page at a time: replies, mentions and follows
// one by one; likes of the same post together ("Anna and 4 others liked your post")
// among those loaded, where the newest of them is. Opening the page marks everything
// up to the newest shown as read; the entries keep their unread look for this visit,
// so what was new can still be told apart. New ones arriving while it is open are
// offered in a bar, not pushed under the reader.
/** @import { PagedList } from "../components/paged-list.js" */
/** @import { Notification, View } from "../types.js" */
import { api } from "../api.js";
import { refreshUnreadCount, setUnreadCount } from "../components/bell.js";
import { newItemsBar } from "../components/new-items.js";
import { notifyError } from "../components/notice.js";
import { pagedList } from "../components/paged-list.js";
import { avatar } from "../components/person.js";
import { h } from "../dom.js";
import { timeElement } from "../format.js";
import { t, tIsolated } from "../i18n.js";
import { onLive } from "../live.js";

/** @param {Notification} note */
function target(note) {
  if (note.type === "follow" || note.tweet_id === null) return `/users/${note.actor.id}`;
  return `/tweets/${note.tweet_id}`;
}

// One entry: who, what (a sentence with their name isolated), when; the whole of it
// links to the post or the person.
/** @param {Notification} note */
function entry(note) {
  const text = h("span", { class: "notification-text" });
  const unread = h("span", { class: "visually-hidden" }, t("notifications.unread"));
  const face = h("span", { class: "notification-faces" }, avatar(note.actor));
  const item = h(
    "li",
    { class: ["notification", `notification-${note.type}`], dataset: { notificationId: note.id, type: note.type } },
    h(
      "a",
      { href: target(note), class: "notification-link" },
      face,
      h("span", { class: "notification-body" }, unread, text, timeElement(note.created_at)),
    ),
  );
  /** @param {boolean} isUnread */
  const mark = (isUnread) => {
    item.classList.toggle("is-unread", isUnread);
    unread.hidden = !isUnread;
  };
  mark(!note.read);
  return { item, text, face, mark };
}

/** @param {Notification} note */
function single(note) {
  const shown = entry(note);
  const key = /** @type {const} */ ({
    reply: "notifications.reply",
    mention: "notifications.mention",
    follow: "notifications.follow",
    like: "notifications.like",
  })[note.type];
  shown.text.replaceChildren(...tIsolated(key, { name: note.actor.name }));
  return shown.item;
}

// Likes of one post: the newest liker named, the others counted (each person once).
/** @param {Notification} first the newest */
function likeGroup(first) {
  const shown = entry(first);
  /** @type {Map<number, Notification>} */
  const likers = new Map();
  let anyUnread = false;
  /** @param {Notification} note */
  const add = (note) => {
    if (!likers.has(note.actor.id)) likers.set(note.actor.id, note);
    anyUnread ||= !note.read;
    const others = likers.size - 1;
    const name = first.actor.name;
    shown.text.replaceChildren(
      ...(others === 0 ? tIsolated("notifications.like", { name }) : tIsolated("notifications.likes", { name, count: others })),
    );
    shown.mark(anyUnread);
    shown.item.dataset.likers = String(likers.size);
    const faces = [...likers.values()].slice(0, 3).map((like) => avatar(like.actor));
    shown.face.replaceChildren(...faces);
  };
  add(first);
  return { element: shown.item, add };
}

/** @type {View} */
export function notificationsView(container) {
  let newest = 0;
  let marked = 0;

  async function markRead() {
    if (newest <= marked) return;
    const upTo = newest;
    try {
      await api.markRead(upTo);
      marked = Math.max(marked, upTo);
      refreshUnreadCount(); // what came after the newest shown stays unread
    } catch (caught) {
      notifyError(t("notifications.markFailed", { reason: /** @type {Error} */ (caught).message }));
    }
  }

  function build() {
    /** @type {Map<number, ReturnType<typeof likeGroup>>} */
    const groups = new Map();
    /** @type {PagedList<Notification>} */
    const made = pagedList({
      fetchPage: async (offset, limit) => {
        const page = (await api.notifications(offset, limit)).notifications;
        for (const note of page) newest = Math.max(newest, note.id);
        return page;
      },
      renderItem: (note) => {
        if (note.type !== "like" || note.tweet_id === null) return single(note);
        const group = groups.get(note.tweet_id);
        if (group) {
          group.add(note);
          return document.createDocumentFragment(); // counted in the group shown above
        }
        const made = likeGroup(note);
        groups.set(note.tweet_id, made);
        return made.element;
      },
      key: (note) => note.id,
      empty: () => h("p", { class: "empty-state", "data-role": "no-notifications" }, t("notifications.empty")),
      endText: t("notifications.end"),
      listTag: "ul",
      listProps: { class: "notifications", "aria-label": t("notifications.title") },
    });
    return made;
  }

  const heading = h("h1", { class: "page-title", tabindex: "-1" }, t("notifications.title"));
  let list = build();
  const area = h("div", null, list.element);
  const bar = newItemsBar("notifications.newOnes", () => {
    list.destroy();
    list = build();
    area.replaceChildren(list.element);
    list.start().then(markRead);
    heading.focus();
  });
  container.append(heading, bar.element, area);
  list.start().then(markRead);
  setUnreadCount(0); // at once; the service's own count follows the marking
  onLive(area, (event) => {
    if (event.type === "notification" && typeof event.data?.id === "number") bar.add(event.data.id);
  });
  return { title: t("notifications.title"), leave: () => list.destroy() };
}
