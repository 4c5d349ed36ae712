// @ts-check
// Answering a post from a list: a dialog with the post being answered and a composer
// that posts the reply to it. The conversation's own page has its reply box instead.
/** @import { Tweet } from "../types.js" */
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { postText } from "../post-text.js";
import { composer } from "./composer.js";
import { openDialog } from "./dialog.js";
import { notify } from "./notice.js";
import { avatar, handleOf } from "./person.js";

// A link to a post's conversation, for a notice that something was posted there.
/** @param {number} id */
export function threadLink(id) {
  return h("a", { href: `/tweets/${id}`, class: "notice-link" }, t("tweet.openThread"));
}

/**
 * @param {Tweet} tweet the post answered
 * @param {() => void} onPosted told once the reply is posted
 */
export function openReply(tweet, onPosted) {
  const quoted = h(
    "blockquote",
    { class: "reply-quote" },
    h("p", { class: "reply-quote-author" }, avatar(tweet.author), h("span", { dir: "auto" }, tweet.author.name), handleOf(tweet.author)),
    h("p", { class: "tweet-text", dir: "auto" }, postText(tweet)),
  );
  /** @type {HTMLDialogElement} */
  let dialog;
  const writer = composer({
    replyTo: tweet.id,
    onPosted: (reply) => {
      onPosted();
      dialog.close();
      notify([t("composer.replyPosted"), " ", threadLink(reply.id)]);
    },
  });
  dialog = openDialog({
    title: t("tweet.replyTo", { name: tweet.author.name }),
    className: "reply-dialog",
    body: [quoted, writer.element],
  });
  dialog.addEventListener("close", () => writer.leave());
  /** @type {HTMLTextAreaElement} */ (writer.element.querySelector("textarea")).focus();
}
