// @ts-check
// A hashtag's page (/hashtags/release): the posts carrying it, newest first, a page at
// a time. The address holds the tag lower case and %-encoded, as post-text.js links it.
/** @import { View } from "../types.js" */
import { api } from "../api.js";
import { tweetList } from "../components/tweet-list.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";

/** @param {string} encoded the address's last segment */
function tagOf(encoded) {
  let tag = encoded;
  try {
    tag = decodeURIComponent(encoded);
  } catch {
    // not %-encoding after all: the service says what it makes of it
  }
  return tag.replace(/^#/, "").toLowerCase();
}

/** @type {View} */
export function hashtagView(container, [encoded], _query, restore) {
  const tag = tagOf(encoded);
  const title = `#${tag}`;
  const list = tweetList({
    fetchPage: (offset, limit) => api.hashtagTweets(tag, offset, limit),
    label: title,
    empty: () => h("p", { class: "empty-state", "data-role": "no-tweets" }, t("hashtag.empty")),
    endText: t("hashtag.end"),
    refusal: "hashtag.refused",
  });
  container.append(h("h1", { class: "page-title", dir: "auto" }, title), list.element);
  list.start(restore);
  return { title, loaded: list.loaded, leave: list.destroy };
}
