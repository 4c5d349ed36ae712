// @ts-check
// "Trending": the hashtags most people used in the last day, each a link to its posts,
// with how many posts and people. Hidden until there is something to show.
/** @import { TrendingTag } from "../types.js" */
import { api } from "../api.js";
import { h, uniqueId } from "../dom.js";
import { t } from "../i18n.js";
import { hashtagPath } from "../post-text.js";

const HOURS = 24;
const SHOWN = 10;

/** @param {TrendingTag} item */
function row(item) {
  return h(
    "li",
    { class: "trending-item" },
    h("a", { href: hashtagPath(item.tag), class: "hashtag", dir: "auto" }, `#${item.tag}`),
    h(
      "span",
      { class: "trending-counts" },
      t("trending.posts", { count: item.posts }),
      " · ",
      t("trending.people", { count: item.people }),
    ),
  );
}

export function trending() {
  const headingId = uniqueId("trending");
  const list = h("ol", { class: "trending-list" });
  const element = h(
    "section",
    { class: "trending", "aria-labelledby": headingId, "data-role": "trending", hidden: true },
    h("h2", { id: headingId, class: "section-title" }, t("trending.title")),
    list,
  );
  return {
    element,
    // Asks the service; shows the block when anything is trending.
    async show() {
      try {
        const { hashtags } = await api.trending(HOURS, SHOWN);
        list.replaceChildren(...hashtags.map(row));
        element.hidden = hashtags.length === 0;
      } catch (error) {
        console.warn("could not read what is trending", error); // nothing to show, then
      }
    },
  };
}
