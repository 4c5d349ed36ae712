// The app's frame: signs the person in, draws the header and hands the main area
// to the view the address names.
import { whenUnauthorized } from "./api.js";
import { languagePicker } from "./components/language.js";
import { clearNotices, noticeArea } from "./components/notice.js";
import { h } from "./dom.js";
import { refreshTimes } from "./format.js";
import { onLanguageChange, t } from "./i18n.js";
import { match, navigate, redraw, route, savedViewState, start } from "./router.js";
import { me, signIn, signOut, storedKey } from "./session.js";
import { feedView } from "./views/feed.js";
import { notFoundView } from "./views/not-found.js";
import { peopleView } from "./views/people.js";
import { profileView } from "./views/profile.js";
import { signInView } from "./views/signin.js";

route(/^\/$/, feedView);
route(/^\/people\/?$/, peopleView);
route(/^\/users\/(\d+)(?:\/(followers|following))?\/?$/, profileView);

const root = document.getElementById("app");
let shell = null;
let current = null;
let rendering = 0;
let first = true;
let signInReason = null; // why the person is asked to sign in (again), a message key
let unavailable = null; // the error the "service is not answering" page shows

// Focus moves to the content without touching the address (which would redraw the view).
function skipToContent(event) {
  event.preventDefault();
  shell.main.focus();
}

function buildShell() {
  const self = me();
  const signOutButton = h("button", { type: "button", class: "button button-quiet", "data-action": "sign-out" }, t("nav.signOut"));
  signOutButton.addEventListener("click", () => {
    signOut();
    navigate("/");
  });
  const link = (href, label, name) => h("a", { href, class: "nav-link", dataset: { nav: name } }, label);
  const skip = h("a", { href: "#main", class: "skip-link" }, t("nav.skip"));
  skip.addEventListener("click", skipToContent);
  const main = h("main", { id: "main", tabindex: "-1" });
  const element = h(
    "div",
    { class: "shell" },
    skip,
    h(
      "header",
      { class: "topbar" },
      h(
        "div",
        { class: "topbar-inner" },
        h("a", { href: "/", class: "brand" }, t("app.name")),
        h(
          "nav",
          { class: "main-nav", "aria-label": t("nav.label") },
          link("/", t("nav.home"), "home"),
          link("/people", t("nav.people"), "people"),
          link(`/users/${self.id}`, t("nav.profile"), "profile"),
        ),
        h(
          "div",
          { class: "account" },
          languagePicker({ compact: true }),
          h("span", { class: "account-name", "data-role": "account-name", title: self.name }, self.name),
          signOutButton,
        ),
      ),
    ),
    main,
  );
  return { element, main };
}

// "My profile" stays marked on its followers and following pages too.
function markCurrentNav() {
  const here = location.pathname.replace(/(.)\/$/, "$1");
  for (const link of shell.element.querySelectorAll(".nav-link")) {
    const path = new URL(link.href).pathname;
    if (here === path || (path !== "/" && here.startsWith(`${path}/`))) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

function leave() {
  current?.leave?.();
  current = null;
}

function page(view, ...args) {
  const container = shell ? shell.main : root;
  // A dialog belongs to the view that opened it (a confirmation closing this way says no).
  for (const dialog of document.querySelectorAll("dialog[open]")) dialog.close();
  container.replaceChildren();
  current = view(container, ...args) ?? {};
  document.title = current.title ? t("app.title", { page: current.title }) : t("app.name");
}

function showSignIn(kept = null) {
  shell = null;
  first = false; // after signing in, focus goes to the page's heading
  root.replaceChildren();
  const reason = signInReason;
  page(signInView, {
    problem: reason && (() => t(reason)),
    kept,
    onSignedIn: () => {
      signInReason = null;
      render();
    },
  });
}

function showUnavailable(error) {
  shell = null;
  unavailable = error;
  const retry = h("button", { type: "button", class: "button button-primary", "data-action": "retry" }, t("action.retry"));
  retry.addEventListener("click", () => render());
  root.replaceChildren(
    h(
      "div",
      { class: "signin" },
      h("p", { class: "brand brand-large" }, t("app.name")),
      h("h1", { class: "page-title" }, t("unavailable.title")),
      h("p", { role: "alert" }, t("unavailable.text", { reason: error.message })),
      retry,
      languagePicker(),
    ),
  );
  document.title = t("app.name");
}

async function render() {
  const mine = ++rendering;
  leave();
  unavailable = null;
  if (!me()) {
    const key = storedKey();
    if (!key) return showSignIn();
    try {
      await signIn(key);
    } catch (error) {
      if (mine !== rendering) return;
      if (error.status !== 401) return showUnavailable(error);
      signOut();
      signInReason = "signin.expired";
      return showSignIn();
    }
    if (mine !== rendering) return;
  }
  if (!shell) {
    shell = buildShell();
    root.replaceChildren(shell.element);
  }
  markCurrentNav();
  const found = match(location.pathname);
  if (found) page(found.view, found.params, new URLSearchParams(location.search), savedViewState());
  else page(notFoundView);
  if (!first) {
    window.scrollTo(0, 0);
    const heading = shell.main.querySelector("h1");
    if (heading) heading.tabIndex = -1;
    (heading ?? shell.main).focus({ preventScroll: true });
  }
  first = false;
}

// The key stopped working mid-visit (rotated, say): back to signing in, with a reason.
whenUnauthorized(() => {
  leave();
  signOut();
  signInReason = "signin.expired";
  showSignIn();
});

// Everything on screen is drawn again in the new language, in the same place and
// with what was typed; notices in the old one are dropped. When the choice was made
// here, the focus stays on the (new) language menu.
onLanguageChange((_code, { here }) => {
  clearNotices();
  if (unavailable)
    showUnavailable(unavailable); // not a reason to try again
  else if (!shell && !storedKey()) showSignIn(current?.keep?.());
  else {
    shell = null;
    redraw(); // its lists scroll back to where they were once they are loaded again
  }
  if (here) document.querySelector("[data-role=language]")?.focus();
});

setInterval(() => refreshTimes(), 30_000);
noticeArea(); // an empty live region from the start, so the first notice is announced
start(render, { snapshot: () => ({ scrollY: window.scrollY, loaded: current?.loaded?.() ?? 0 }) });
