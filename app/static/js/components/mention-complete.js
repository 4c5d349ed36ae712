// @ts-check
// Handle completion in a textarea: typing "@" and part of a name or handle lists the
// people it matches (the directory, asked after a pause in typing); Up and Down move
// through them, Enter or Tab puts the chosen "@handle " in the text, Escape closes the
// list; the mouse works too. The textarea keeps the focus throughout: the highlighted
// person is its aria-activedescendant, and how many were found is said in a live region.
/** @import { UserSummary } from "../types.js" */
import { api } from "../api.js";
import { h, uniqueId } from "../dom.js";
import { t } from "../i18n.js";
import { avatar } from "./person.js";

const TYPING_PAUSE_MS = 200;
const SHOWN = 6;
// "@" and what follows it up to the caret, where a mention may start (as post-text.js
// finds them); letters of any script, as a name is looked up as well as a handle.
const TYPING_MENTION = /(?<![\p{L}\p{N}_.@])@([\p{L}\p{N}_.]{1,30})$/u;

/**
 * @param {HTMLTextAreaElement} text
 * @returns {{ element: HTMLElement, leave: () => void }}
 */
export function mentionCompletion(text) {
  const listId = uniqueId("mentions");
  const list = h("ul", { id: listId, class: "mention-list", role: "listbox", "aria-label": t("mentions.label"), hidden: true });
  const status = h("p", { class: "visually-hidden", role: "status" });
  text.setAttribute("aria-autocomplete", "list");
  text.setAttribute("aria-controls", listId);
  /** @type {UserSummary[]} */
  let people = [];
  let active = -1;
  /** @type {{ start: number, end: number, query: string } | null} */
  let typing = null; // the "@…" being typed: where it is in the text
  /** @type {string | null} */
  let dismissed = null; // Escape closed the list for this "@…"; a new one opens it again
  let asked = 0;
  /** @type {number | undefined} */
  let timer;

  function close() {
    clearTimeout(timer);
    asked += 1; // an answer on its way is no longer wanted
    people = [];
    active = -1;
    list.hidden = true;
    list.replaceChildren();
    text.removeAttribute("aria-activedescendant");
  }

  /** @param {number} index */
  function highlight(index) {
    active = index;
    for (const [position, option] of [...list.children].entries()) {
      option.setAttribute("aria-selected", String(position === index));
    }
    const option = list.children[index];
    if (option) {
      text.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else text.removeAttribute("aria-activedescendant");
  }

  /** @param {UserSummary} person */
  function choose(person) {
    if (!typing || !person.handle) return;
    const inserted = `@${person.handle} `;
    const after = text.value.slice(typing.end).replace(/^ /, ""); // no double space
    text.value = text.value.slice(0, typing.start) + inserted + after;
    const caret = typing.start + inserted.length;
    text.setSelectionRange(caret, caret);
    close();
    typing = null;
    text.dispatchEvent(new Event("input", { bubbles: true })); // the composer counts and keeps the draft
  }

  /** @param {UserSummary[]} found */
  function show(found) {
    people = found.filter((person) => person.handle).slice(0, SHOWN);
    list.replaceChildren(
      ...people.map((person, index) => {
        const option = h(
          "li",
          {
            id: `${listId}-${index}`,
            class: "mention-option",
            role: "option",
            "aria-selected": "false",
            dataset: { handle: person.handle ?? "" },
          },
          avatar(person),
          h("span", { class: "mention-name", dir: "auto" }, person.name),
          h("span", { class: "handle", dir: "ltr" }, `@${person.handle}`),
        );
        // The textarea keeps the focus (and the caret) when an option is clicked.
        option.addEventListener("mousedown", (event) => event.preventDefault());
        option.addEventListener("click", () => choose(person));
        option.addEventListener("mousemove", () => active !== index && highlight(index));
        return option;
      }),
    );
    list.hidden = people.length === 0;
    status.textContent = people.length > 0 ? t("mentions.found", { count: people.length }) : t("mentions.none");
    highlight(people.length > 0 ? 0 : -1);
  }

  // What is typed at the caret: an "@…" to look up, or nothing (the list closes).
  function check() {
    const caret = text.selectionStart;
    const found = caret === text.selectionEnd ? text.value.slice(0, caret).match(TYPING_MENTION) : null;
    if (!found || found.index === undefined) {
      typing = null;
      dismissed = null;
      status.textContent = "";
      close();
      return;
    }
    const query = found[1];
    const key = `${found.index}:${query}`;
    if (typing && typing.query === query && typing.start === found.index) return; // the caret moved, nothing new
    typing = { start: found.index, end: caret, query };
    if (dismissed === key) return;
    dismissed = null;
    clearTimeout(timer);
    const mine = ++asked;
    timer = setTimeout(async () => {
      try {
        const { users } = await api.directory(query.replace(/\.+$/, ""), 0, SHOWN * 2);
        if (mine === asked) show(users);
      } catch {
        if (mine === asked) close(); // no suggestions; typing goes on as ever
      }
    }, TYPING_PAUSE_MS);
  }

  text.addEventListener("input", check);
  text.addEventListener("click", check);
  text.addEventListener("keyup", (event) => {
    if (event.key === "ArrowLeft" || event.key === "ArrowRight" || event.key === "Home" || event.key === "End") check();
  });
  text.addEventListener("blur", () => {
    close();
    typing = null;
  });
  // Registered before the composer's own keys: while the list is open these are its.
  text.addEventListener("keydown", (event) => {
    if (list.hidden || people.length === 0 || event.isComposing) return;
    const count = people.length;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      highlight((active + (event.key === "ArrowDown" ? 1 : count - 1)) % count);
    } else if ((event.key === "Enter" || event.key === "Tab") && !event.shiftKey && !event.ctrlKey && !event.metaKey && active >= 0) {
      choose(people[active]);
    } else if (event.key === "Escape") {
      if (typing) dismissed = `${typing.start}:${typing.query}`;
      close();
    } else return;
    event.preventDefault();
    event.stopImmediatePropagation();
  });
  const element = h("div", { class: "mention-complete" }, list, status);
  return {
    element,
    leave: () => {
      clearTimeout(timer);
      asked += 1;
    },
  };
}
