// @ts-check
// The people directory: everyone by name, searchable, with follow buttons inline.
/** @import { PagedList } from "../components/paged-list.js" */
/** @import { UserSummary, View, ViewState } from "../types.js" */
import { api } from "../api.js";
import { pagedList } from "../components/paged-list.js";
import { personRow } from "../components/person.js";
import { h, uniqueId } from "../dom.js";
import { t, tIsolated } from "../i18n.js";
import { setQuery } from "../router.js";

const TYPING_PAUSE_MS = 250;

/** @type {View} */
export function peopleView(container, _params, query, restore) {
  const searchId = uniqueId("people-search");
  const search = h("input", {
    id: searchId,
    type: "search",
    name: "q",
    autocomplete: "off",
    maxlength: 100,
    value: (query.get("q") ?? "").slice(0, 100),
    placeholder: t("people.searchPlaceholder"),
  });
  const results = h("div", { class: "people-results" });
  /** @type {PagedList<UserSummary> | null} */
  let list = null;

  /** @param {ViewState | null} [restoreTo] */
  function show(restoreTo = null) {
    list?.destroy();
    const q = search.value.trim();
    list = pagedList({
      // "@alee" as a mention writes it finds the handle "alee".
      fetchPage: async (offset, limit) => (await api.directory(q.replace(/^@/, ""), offset, limit)).users,
      renderItem: (person) => personRow(person, { counts: true }),
      key: (person) => person.id,
      empty: () => h("p", { class: "empty-state", "data-role": "no-people" }, q ? tIsolated("people.noMatch", { q }) : t("people.nobody")),
      endText: "",
      listTag: "ul",
      listProps: { class: "people", "aria-label": t("people.results") },
    });
    results.replaceChildren(list.element);
    list.start(restoreTo);
  }

  /** @type {number | undefined} */
  let timer;
  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      setQuery({ q: search.value.trim() });
      show();
    }, TYPING_PAUSE_MS);
  });
  const form = h("form", { class: "search", role: "search" }, h("label", { for: searchId }, t("people.searchLabel")), search);
  form.addEventListener("submit", (event) => event.preventDefault());
  container.append(h("h1", { class: "page-title" }, t("people.title")), form, results);
  show(restore);
  return {
    title: t("people.title"),
    loaded: () => list?.loaded() ?? 0,
    leave: () => {
      clearTimeout(timer);
      list?.destroy();
    },
  };
}
