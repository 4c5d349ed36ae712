// @ts-check
// A tweet's pictures at full size, one at a time; arrows move between them, Esc closes.
import { h, icon } from "../dom.js";
import { t } from "../i18n.js";
import { openDialog } from "./dialog.js";

/**
 * @param {string[]} urls
 * @param {number} start the index of the picture shown first
 * @param {string} authorName
 * @returns {HTMLDialogElement}
 */
export function openLightbox(urls, start, authorName) {
  let index = start;
  const image = h("img", { class: "lightbox-image" });
  const caption = h("p", { class: "lightbox-caption" });
  const previous = h("button", { type: "button", class: "icon-button lightbox-prev", "aria-label": t("lightbox.previous") }, icon("prev"));
  const next = h("button", { type: "button", class: "icon-button lightbox-next", "aria-label": t("lightbox.next") }, icon("next"));
  const several = urls.length > 1;

  /** @param {number} at */
  function show(at) {
    index = (at + urls.length) % urls.length;
    image.src = urls[index];
    image.alt = t("tweet.pictureAlt", { author: authorName, number: index + 1, count: urls.length });
    caption.textContent = several ? t("lightbox.position", { number: index + 1, count: urls.length }) : "";
  }

  const dialog = openDialog({
    title: t("lightbox.title"),
    labelled: false,
    className: "lightbox",
    body: h("div", { class: "lightbox-body" }, several ? previous : null, image, several ? next : null, caption),
  });
  previous.addEventListener("click", () => show(index - 1));
  next.addEventListener("click", () => show(index + 1));
  dialog.addEventListener("keydown", (event) => {
    if (!several) return;
    if (event.key === "ArrowLeft") show(index - 1);
    if (event.key === "ArrowRight") show(index + 1);
  });
  show(start);
  return dialog;
}
