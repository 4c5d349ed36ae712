// @ts-check
// The people directory: everyone by name, searchable, with follow buttons inline.
/** @import { PagedList } from "../components/paged-list.js" */
/** @import { UserSummary, View, ViewState } from "../types.js" */
import { api } from "../api.js";
import { pagedList } from "../components/paged-list.js";
import { personRow } from "../components/person.js";
import { listSearch } from "../components/search-field.js";
import { h } from "../dom.js";
import { t, tIsolated } from "../i18n.js";

/** @type {View} */
export function peopleView(container, _params, query, restore) {
  const search = listSearch({ label: t("people.searchLabel"), placeholder: t("people.searchPlaceholder"), query, onSearch: () => show() });
  const results = h("div", { class: "people-results" });
  /** @type {PagedList<UserSummary> | null} */
  let list = null;

  /** @param {ViewState | null} [restoreTo] */
  function show(restoreTo = null) {
    list?.destroy();
    const q = search.value();
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

  container.append(h("h1", { class: "page-title" }, t("people.title")), search.form, results);
  show(restore);
  return {
    title: t("people.title"),
    loaded: () => list?.loaded() ?? 0,
    leave: () => {
      search.stop();
      list?.destroy();
    },
  };
}
