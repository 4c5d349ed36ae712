// @ts-check
// The search field above a list of people (the directory, the administrators'
// list): labelled, kept in the address (?q=) and searching once typing pauses.
import { h, uniqueId } from "../dom.js";
import { setQuery } from "../router.js";

const TYPING_PAUSE_MS = 250;
const LONGEST = 100;

/**
 * @param {{ label: string, placeholder: string, query: URLSearchParams, onSearch: () => void }} options
 * `onSearch` is called once typing pauses (the field's value is then in the address)
 */
export function listSearch({ label, placeholder, query, onSearch }) {
  const id = uniqueId("list-search");
  const input = h("input", {
    id,
    type: "search",
    name: "q",
    autocomplete: "off",
    maxlength: LONGEST,
    value: (query.get("q") ?? "").slice(0, LONGEST),
    placeholder,
  });
  /** @type {number | undefined} */
  let timer;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      setQuery({ q: input.value.trim() });
      onSearch();
    }, TYPING_PAUSE_MS);
  });
  const form = h("form", { class: "search", role: "search" }, h("label", { for: id }, label), input);
  form.addEventListener("submit", (event) => event.preventDefault());
  return {
    form,
    value: () => input.value.trim(),
    stop: () => clearTimeout(timer),
  };
}
