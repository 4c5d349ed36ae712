// @ts-check
/** @import { View } from "../types.js" */
import { h } from "../dom.js";
import { t } from "../i18n.js";

/** @type {View} */
export function notFoundView(container) {
  container.append(
    h("h1", { class: "page-title" }, t("notFound.title")),
    h("p", null, t("notFound.text")),
    h("a", { href: "/", class: "button" }, t("notFound.home")),
  );
  return { title: t("notFound.title") };
}
