// @ts-check
// A person's page: name, follower and following counts with their lists (a page at
// a time: some are followed by thousands), the follow button, and their tweets
// newest first.
/** @import { ApiError } from "../api.js" */
/** @import { PagedList } from "../components/paged-list.js" */
/** @import { Profile, Relation, Tweet, UserRef, View, ViewState } from "../types.js" */
import { api } from "../api.js";
import { notifyError } from "../components/notice.js";
import { loadingIndicator, pagedList } from "../components/paged-list.js";
import { avatar, followButton, handleOf, personRow } from "../components/person.js";
import { tweetList } from "../components/tweet-list.js";
import { h } from "../dom.js";
import { t, tIsolated } from "../i18n.js";
import { navigate } from "../router.js";
import { isMe, onFollowChange } from "../session.js";
import { checkId, showFailure } from "./failed.js";

/** @typedef {"tweets" | Relation} Section */

/**
 * The part of the page under the header: the person's tweets or one of their lists.
 * @typedef {{ element: HTMLElement, destroy: () => void, loaded: () => number, shifted: (delta: number) => void }} SectionBody
 */

/**
 * @param {Profile} user
 * @param {ViewState | null} restore
 * @param {() => void} onDeleted
 * @returns {PagedList<Tweet>}
 */
function tweetsOf(user, restore, onDeleted) {
  const own = isMe(user.id);
  const list = tweetList({
    fetchPage: (offset, limit) => api.userTweets(user.id, offset, limit),
    label: t("profile.tweetsOf", { name: user.name }),
    onDeleted,
    empty: () =>
      h(
        "section",
        { class: "empty-state", "data-role": "no-tweets" },
        h("p", null, own ? t("profile.noTweetsOwn") : tIsolated("profile.noTweets", { name: user.name })),
        own ? h("a", { href: "/", class: "button" }, t("profile.writeFirst")) : null,
      ),
    endText: t("profile.tweetsEnd"),
  });
  list.start(restore);
  return list;
}

/**
 * @param {Profile} user
 * @param {Relation} relation
 * @param {ViewState | null} restore
 * @returns {PagedList<UserRef>}
 */
function peopleOf(user, relation, restore) {
  const list = pagedList({
    fetchPage: async (offset, limit) => (await api.people(user.id, relation, offset, limit)).users,
    renderItem: (person) => personRow(person),
    key: (person) => person.id,
    empty: () => h("p", { class: "empty-state" }, t(relation === "followers" ? "profile.noFollowers" : "profile.noFollowing")),
    endText: "",
    listTag: "ul",
    listProps: {
      class: "people",
      "aria-label": t(relation === "followers" ? "profile.followersOf" : "profile.followingOf", { name: user.name }),
    },
  });
  list.start(restore);
  return list;
}

// One's own data as a ZIP archive. Fetched as every request is (with the person's
// credentials) and saved from its bytes: a plain link would carry none.
function exportButton() {
  const button = h("button", { type: "button", class: "button", "data-action": "export" }, t("profile.export"));
  button.addEventListener("click", async () => {
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    try {
      const { blob, name } = await api.exportData();
      const address = URL.createObjectURL(blob);
      const save = h("a", { href: address, download: name, hidden: true });
      document.body.append(save);
      save.click();
      save.remove();
      setTimeout(() => URL.revokeObjectURL(address), 60_000); // once the download has it
    } catch (caught) {
      notifyError(t("profile.exportFailed", { reason: /** @type {ApiError} */ (caught).message }));
    } finally {
      button.disabled = false;
      button.removeAttribute("aria-busy");
    }
  });
  return button;
}

/**
 * @param {Profile} user
 * @param {Section} section
 */
function header(user, section) {
  const base = `/users/${user.id}`;
  /**
   * @param {string} href
   * @param {Section} name
   */
  const tab = (href, name) =>
    h("a", { href, class: "profile-tab", "aria-current": section === name ? "page" : null, dataset: { section: name } });
  const tabs = {
    tweets: tab(base, "tweets"),
    followers: tab(`${base}/followers`, "followers"),
    following: tab(`${base}/following`, "following"),
  };
  const element = h(
    "header",
    { class: "profile-header" },
    avatar(user, "large"),
    h(
      "div",
      { class: "profile-summary" },
      h("h1", { class: "page-title", "data-role": "profile-name", dir: "auto" }, user.name),
      h("p", { class: "profile-handle", "data-role": "profile-handle" }, handleOf(user)),
      isMe(user.id) ? h("p", { class: "profile-you" }, t("profile.you")) : null,
      isMe(user.id) ? h("a", { href: "/sessions", class: "profile-sessions", "data-role": "sessions-link" }, t("sessions.link")) : null,
    ),
    isMe(user.id) ? exportButton() : null,
    followButton(user),
    h("nav", { class: "profile-tabs", "aria-label": t("profile.sections") }, Object.values(tabs)),
  );
  // Counts change in place, so the focus stays on the button that changed them.
  function showCounts() {
    tabs.tweets.textContent = t("profile.tweetsCount", { count: user.tweets_count });
    tabs.followers.textContent = t("profile.followersCount", { count: user.followers_count });
    tabs.following.textContent = t("profile.followingCount", { count: user.following_count });
  }
  showCounts();
  return { element, showCounts };
}

/**
 * @param {Profile} user
 * @param {Section} section
 * @param {ViewState | null} restore
 * @param {() => void} onTweetDeleted
 * @returns {SectionBody}
 */
function sectionBody(user, section, restore, onTweetDeleted) {
  const list = section === "tweets" ? tweetsOf(user, restore, onTweetDeleted) : peopleOf(user, section, restore);
  return { element: list.element, destroy: list.destroy, loaded: list.loaded, shifted: list.shifted };
}

/** @type {View} */
export function profileView(container, [id, named = "tweets"], _query, restore) {
  const section = /** @type {Section} */ (named); // the route's pattern allows no other
  const view = h("div", { class: "profile" }, h("div", { role: "status" }, loadingIndicator()));
  container.append(view);
  /** @type {SectionBody | null} */
  let body = null;
  let left = false;

  (async () => {
    let user;
    try {
      checkId(id);
      user = (await api.user(id)).user;
    } catch (caught) {
      const error = /** @type {ApiError} */ (caught);
      if (left) return;
      const message = error.status === 404 ? t("profile.missing") : t("profile.failed", { reason: error.message });
      showFailure(view, t("profile.title"), message);
      return;
    }
    if (left) return;
    document.title = t("app.title", { page: user.name });
    const top = header(user, section);
    const tweetDeleted = () => {
      user.tweets_count = Math.max(0, user.tweets_count - 1);
      top.showCounts();
    };
    body = sectionBody(user, section, restore, tweetDeleted);
    const bodyArea = h("section", { class: "profile-body" }, body.element);
    view.replaceChildren(top.element, bodyArea);
    // Following this person changes their followers; on your own page, whom you
    // follow changes your following. The counts are read again, not added to: a
    // follow made in another tab makes a click here change nothing on the server.
    let asked = 0;
    onFollowChange(view, async (person, following) => {
      const theirs = person.id === user.id;
      if (!theirs && !isMe(user.id)) return;
      if (theirs && section === "followers") {
        // You joined or left their followers: the list is read again, you in your place.
        body?.destroy(); // (set above, before this listener)
        body = sectionBody(user, section, null, tweetDeleted);
        bodyArea.replaceChildren(body.element);
      } else if (!theirs && section === "following") {
        body?.shifted(following ? 1 : -1); // the row stays, the server's list moved
      }
      const ask = ++asked;
      try {
        const fresh = (await api.user(user.id)).user;
        if (ask !== asked || left) return; // a later change's answer is the one to show
        user.followers_count = fresh.followers_count;
        user.following_count = fresh.following_count;
        top.showCounts();
      } catch (error) {
        console.warn("could not read the counts again", error);
      }
    });
  })();

  return {
    title: t("profile.title"),
    loaded: () => body?.loaded?.() ?? 0,
    leave: () => {
      left = true;
      body?.destroy?.();
    },
  };
}

// "/@alee": the person with that handle (or who had it), at their profile's own address.
/** @type {View} */
export function handleView(container, [handle]) {
  const view = h("div", { class: "profile" }, h("div", { role: "status" }, loadingIndicator()));
  container.append(view);
  let left = false;
  api.userByHandle(handle).then(
    ({ user }) => {
      if (!left) navigate(`/users/${user.id}`, { replace: true });
    },
    (caught) => {
      const error = /** @type {ApiError} */ (caught);
      if (left) return;
      const message = error.status === 404 || error.status === 422 ? t("profile.missing") : t("profile.failed", { reason: error.message });
      showFailure(view, t("profile.title"), message);
    },
  );
  return { title: t("profile.title"), leave: () => (left = true) };
}
