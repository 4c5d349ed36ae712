// @ts-check
// The language menu: each language named in its own words, the choice remembered.
import { h, uniqueId } from "../dom.js";
import { currentLanguage, languages, setLanguage, t } from "../i18n.js";

// `compact`: the label is for screen readers only (in the header, where space is short).
/** @param {{ compact?: boolean }} [options] */
export function languagePicker({ compact = false } = {}) {
  const id = uniqueId("language");
  const select = h(
    "select",
    { id, class: "language-select", "data-role": "language" },
    languages.map((code) => h("option", { value: code, lang: code }, t(`language.${code}`))),
  );
  select.value = currentLanguage();
  select.addEventListener("change", () => setLanguage(select.value));
  const label = h("label", { for: id, class: compact ? "visually-hidden" : "language-label" }, t("language.label"));
  return h("div", { class: ["language", compact && "language-compact"] }, label, select);
}
