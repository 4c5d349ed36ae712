// @ts-check
// A conversation around one post: the posts it answers (oldest first, with a note
// where one was deleted), the post itself, a reply box and its direct replies, a page
// at a time. Replies to it that come while it is open are added as they arrive: the
// live stream watches this conversation while the view is on screen.
/** @import { ApiError } from "../api.js" */
/** @import { Tweet, View } from "../types.js" */
import { api } from "../api.js";
import { composer } from "../components/composer.js";
import { loadingIndicator } from "../components/paged-list.js";
import { tweetCard } from "../components/tweet-card.js";
import { append, clear, h } from "../dom.js";
import { t, tIsolated } from "../i18n.js";
import { onLive, watchConversation } from "../live.js";
import { checkId, showFailure } from "./failed.js";

const REPLIES_PAGE = 20;

// What stands where the chain of posts has a gap: a deleted post, or (past how far
// back the service reads) a link to the earlier part of the conversation.
/**
 * @param {Tweet} tweet
 * @param {Tweet | undefined} before the post shown just above it
 */
function gapBefore(tweet, before) {
  if (tweet.reply_to_deleted) return h("p", { class: "thread-gone", "data-role": "parent-gone" }, t("thread.parentGone"));
  if (tweet.reply_to != null && before?.id !== tweet.reply_to) {
    return h("p", { class: "thread-gone" }, h("a", { href: `/tweets/${tweet.reply_to}` }, t("tweet.openThread")));
  }
  return null;
}

/** @type {View} */
export function threadView(container, [id]) {
  const view = h(
    "div",
    { class: "thread" },
    h("h1", { class: "page-title" }, t("thread.title")),
    h("div", { role: "status" }, loadingIndicator()),
  );
  container.append(view);
  let left = false;
  /** @type {(() => void) | null} */
  let leaveComposer = null;

  (async () => {
    let thread;
    try {
      checkId(id);
      thread = await api.thread(id);
    } catch (caught) {
      const error = /** @type {ApiError} */ (caught);
      if (left) return;
      const message = error.status === 404 ? t("thread.missing") : t("thread.failed", { reason: error.message });
      showFailure(view, t("thread.title"), message);
      return;
    }
    if (left) return;
    const focus = thread.tweet;
    /** @type {Set<number>} */
    const shown = new Set();
    const list = h("div", { class: "tweets thread-replies", role: "feed", "aria-label": t("thread.replies") });
    const none = h("p", { class: "empty-state", "data-role": "no-replies" }, t("thread.noReplies"));
    const more = h("button", { type: "button", class: "button", "data-action": "more-replies" }, t("thread.moreReplies"));
    const problem = h("p", { class: "form-error", role: "alert" });
    const arrived = h("p", { class: "visually-hidden", role: "status" });
    // How many of the replies, as the service orders them, came in pages: the next
    // page's offset. One added here (posted, or arrived live) is not counted: where it
    // falls in that order is the service's to say, and a page bringing it again is
    // skipped over, while counting it could skip one never shown.
    let loaded = 0;

    function update() {
      const count = card.querySelector("[data-role=replies-count]");
      if (count) count.textContent = t("tweet.repliesCount", { count: focus.replies_count ?? 0 });
      none.hidden = shown.size > 0;
      more.hidden = shown.size >= (focus.replies_count ?? 0);
    }

    /** @param {Tweet} reply */
    function add(reply) {
      if (shown.has(reply.id)) return;
      shown.add(reply.id);
      list.append(
        tweetCard(reply, {
          onDeleted: () => {
            shown.delete(reply.id);
            focus.replies_count = Math.max(0, (focus.replies_count ?? 1) - 1);
            loaded = Math.max(0, loaded - 1);
            update();
          },
        }),
      );
    }

    /** @param {Tweet[]} page */
    function addPage(page) {
      loaded += page.length;
      for (const reply of page) add(reply);
      update();
    }

    more.addEventListener("click", async () => {
      more.disabled = true;
      problem.textContent = "";
      try {
        const page = (await api.replies(focus.id, loaded, REPLIES_PAGE)).tweets;
        if (left) return;
        addPage(page);
        if (page.length < REPLIES_PAGE) more.hidden = true;
      } catch (caught) {
        problem.textContent = t("list.failed", { reason: /** @type {Error} */ (caught).message });
      } finally {
        more.disabled = false;
      }
    });

    const chain = [...thread.ancestors, focus];
    const earlier = h(
      "section",
      { class: "tweets thread-earlier", "aria-label": t("thread.earlier") },
      thread.ancestors.map((tweet, index) => [gapBefore(tweet, chain[index - 1]), tweetCard(tweet, { inThread: true })]),
    );
    const writer = composer({
      replyTo: focus.id,
      onPosted: (reply) => {
        focus.replies_count = (focus.replies_count ?? 0) + 1;
        add(reply);
        update();
      },
    });
    leaveComposer = writer.leave;
    const textarea = /** @type {HTMLTextAreaElement} */ (writer.element.querySelector("textarea"));
    const card = tweetCard(focus, {
      inThread: true,
      onReply: () => textarea.focus(),
      onDeleted: () => {
        // Nothing to reply to any more: the box goes, a note stands where the post was.
        writer.element.before(h("p", { class: "thread-gone" }, t("tweet.deleted")));
        writer.element.remove();
      },
    });
    card.classList.add("is-focused");
    card.setAttribute("aria-current", "true");
    append(clear(view), [
      h("h1", { class: "page-title" }, t("thread.title")),
      thread.ancestors.length > 0 ? earlier : null,
      gapBefore(focus, thread.ancestors.at(-1)),
      card,
      writer.element,
      h("h2", { class: "section-title" }, t("thread.replies")),
      list,
      none,
      more,
      problem,
      arrived,
    ]);
    addPage(thread.replies);
    document.title = t("app.title", { page: t("thread.title") });

    // A reply to this post joins the list as it arrives: the stream tells about every
    // reply in this conversation while the view watches it (and, as notifications,
    // about those to your posts or mentioning you).
    watchConversation(focus.conversation_id ?? focus.id);
    onLive(view, async (event) => {
      const data = event.data;
      const replied = event.type === "reply" && data?.reply_to === focus.id;
      const told = event.type === "notification" && ["reply", "mention"].includes(data?.type);
      const replyId = replied || told ? data.tweet_id : null;
      if (!replyId || shown.has(replyId)) return;
      try {
        const reply = (await api.tweet(replyId)).tweet;
        if (left || reply.reply_to !== focus.id || shown.has(reply.id)) return;
        focus.replies_count = (focus.replies_count ?? 0) + 1;
        add(reply);
        update();
        arrived.replaceChildren(...tIsolated("thread.newReply", { name: reply.author.name }));
      } catch {
        // deleted meanwhile, or not to be read: nothing to add
      }
    });
  })();

  return {
    title: t("thread.title"),
    leave: () => {
      left = true;
      watchConversation(null);
      leaveComposer?.();
    },
  };
}
