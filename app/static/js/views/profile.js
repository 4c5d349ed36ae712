// A person's page: name, follower and following counts with their lists, the
// follow button, and their tweets newest first.
import { api } from "../api.js";
import { pagedList } from "../components/paged-list.js";
import { avatar, followButton, personRow } from "../components/person.js";
import { tweetCard } from "../components/tweet-card.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { adopt, isMe, me, onFollowChange } from "../session.js";

function tweetsOf(user) {
  const own = isMe(user.id);
  const list = pagedList({
    fetchPage: async (offset, limit) => (await api.userTweets(user.id, offset, limit)).tweets,
    renderItem: (tweet) => tweetCard(tweet, { onDeleted: () => list.removed(tweet.id) }),
    key: (tweet) => tweet.id,
    empty: () =>
      h(
        "section",
        { class: "empty-state", "data-role": "no-tweets" },
        h("p", null, own ? t("profile.noTweetsOwn") : t("profile.noTweets", { name: user.name })),
        own ? h("a", { href: "/", class: "button" }, t("profile.writeFirst")) : null,
      ),
    endText: t("profile.tweetsEnd"),
    listProps: { role: "feed", "aria-label": t("profile.tweetsOf", { name: user.name }), class: "tweets" },
  });
  list.start();
  return list;
}

function peopleList(people, emptyText) {
  if (people.length === 0) return h("p", { class: "empty-state" }, emptyText);
  return h("ul", { class: "people" }, people.map((person) => personRow(person)));
}

function header(user, section) {
  const base = `/users/${user.id}`;
  const tab = (href, label, name) =>
    h("a", { href, class: "profile-tab", "aria-current": section === name ? "page" : null, dataset: { section: name } }, label);
  return h(
    "header",
    { class: "profile-header" },
    avatar(user, "large"),
    h(
      "div",
      { class: "profile-summary" },
      h("h1", { class: "page-title", "data-role": "profile-name" }, user.name),
      isMe(user.id) ? h("p", { class: "profile-you" }, t("profile.you")) : null,
    ),
    followButton(user),
    h(
      "nav",
      { class: "profile-tabs", "aria-label": t("profile.sections") },
      tab(base, t("profile.tweets"), "tweets"),
      tab(`${base}/followers`, t("profile.followersCount", { count: user.followers.length }), "followers"),
      tab(`${base}/following`, t("profile.followingCount", { count: user.following.length }), "following"),
    ),
  );
}

export function profileView(container, [id, section = "tweets"]) {
  const userId = Number(id);
  const status = h("p", { class: "pager-loading", role: "status" }, h("span", { class: "spinner", "aria-hidden": "true" }), t("list.loading"));
  container.append(status);
  let list = null;
  let left = false;

  function draw(user) {
    list?.destroy();
    list = null;
    let body;
    if (section === "followers") body = peopleList(user.followers, t("profile.noFollowers"));
    else if (section === "following") body = peopleList(user.following, t("profile.noFollowing"));
    else {
      list = tweetsOf(user);
      body = list.element;
    }
    container.replaceChildren(header(user, section), h("section", { class: "profile-body" }, body));
  }

  (async () => {
    let user;
    try {
      user = (await api.user(userId)).user;
    } catch (error) {
      if (left) return;
      const message = error.status === 404 ? t("profile.missing") : t("profile.failed", { reason: error.message });
      container.replaceChildren(h("h1", { class: "page-title" }, t("profile.title")), h("p", { class: "empty-state", role: "alert" }, message));
      return;
    }
    if (left) return;
    if (isMe(user.id)) {
      adopt(user); // so the follow buttons here keep it current
      user = me();
    }
    document.title = `${user.name} · ${t("app.name")}`;
    draw(user);
    // Following or unfollowing this person changes their followers here.
    // On your own page, whom you follow changes your following count.
    onFollowChange(container, (person, following) => {
      if (person.id === user.id) {
        const self = me();
        user.followers = user.followers.filter((p) => p.id !== self.id);
        if (following) user.followers.push({ id: self.id, name: self.name });
      } else if (!isMe(user.id)) return;
      if (section !== "followers") {
        container.querySelector(".profile-header").replaceWith(header(user, section));
      } else draw(user);
    });
  })();

  return {
    title: t("profile.title"),
    leave: () => {
      left = true;
      list?.destroy();
    },
  };
}
