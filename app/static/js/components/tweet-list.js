// @ts-check
// A list of post cards a page at a time (the feed, a person's posts, search results,
// a hashtag's posts): a deleted post leaves the list, and the list's offset with it.
/** @import { ApiError } from "../api.js" */
/** @import { MessageKey } from "../i18n.js" */
/** @import { Marks } from "../post-text.js" */
/** @import { Tweet, TweetList } from "../types.js" */
/** @import { PagedList } from "./paged-list.js" */
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { pagedList } from "./paged-list.js";
import { tweetCard } from "./tweet-card.js";

/**
 * What tweetList() is given: the endpoint's page, the list's name for screen readers,
 * what an empty list shows and what its end says; optionally what to mark in each
 * post, what to do besides when one is deleted, and the message (with the API's
 * {reason}) for a query the service refuses (422), which trying again cannot mend.
 * @typedef {object} TweetListOptions
 * @property {(offset: number, limit: number) => Promise<TweetList>} fetchPage
 * @property {string} label
 * @property {() => Node} empty
 * @property {string} endText
 * @property {(tweet: Tweet) => Marks | undefined} [marks]
 * @property {() => void} [onDeleted]
 * @property {MessageKey} [refusal]
 */

/**
 * @param {TweetListOptions} options
 * @returns {PagedList<Tweet>}
 */
export function tweetList({ fetchPage, label, empty, endText, marks = () => undefined, onDeleted, refusal }) {
  /** @type {PagedList<Tweet>} */
  const list = pagedList({
    fetchPage: async (offset, limit) => (await fetchPage(offset, limit)).tweets,
    renderItem: (tweet) =>
      tweetCard(tweet, {
        marks: marks(tweet),
        onDeleted: () => {
          list.removed(tweet.id);
          onDeleted?.();
        },
      }),
    key: (tweet) => tweet.id,
    empty,
    endText,
    listProps: { role: "feed", "aria-label": label, class: "tweets" },
    refused: (caught) => {
      const error = /** @type {ApiError} */ (caught);
      if (!refusal || error.status !== 422) return null;
      return h("p", { class: "pager-error", "data-role": "refused" }, t(refusal, { reason: error.message }));
    },
  });
  return list;
}
