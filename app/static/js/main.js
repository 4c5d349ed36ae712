// @ts-check
// The app's frame: signs the person in, draws the header and hands the main area
// to the view the address names.
/** @import { ApiError } from "./api.js" */
/** @import { MessageKey } from "./i18n.js" */
/** @import { RouteParams, SignInKept, View, ViewHandle } from "./types.js" */
import { whenUnauthorized } from "./api.js";
import { announcementsBanner } from "./components/announcements.js";
import { bell, refreshUnreadCount } from "./components/bell.js";
import { languagePicker } from "./components/language.js";
import { clearNotices, noticeArea } from "./components/notice.js";
import { searchBox, showQuery, typingSearch } from "./components/search-box.js";
import { h } from "./dom.js";
import { refreshTimes } from "./format.js";
import { onLanguageChange, t } from "./i18n.js";
import { startLive } from "./live.js";
import { match, navigate, redraw, route, savedViewState, start } from "./router.js";
import { me, resume, signedIn, signedInByCookie, signIn, signOut, storedKey } from "./session.js";
import { adminView } from "./views/admin.js";
import { feedView } from "./views/feed.js";
import { hashtagView } from "./views/hashtag.js";
import { notFoundView } from "./views/not-found.js";
import { notificationsView } from "./views/notifications.js";
import { peopleView } from "./views/people.js";
import { handleView, profileView } from "./views/profile.js";
import { searchView } from "./views/search.js";
import { sessionsView } from "./views/sessions.js";
import { signInView } from "./views/signin.js";
import { threadView } from "./views/thread.js";

route(/^\/$/, feedView);
route(/^\/people\/?$/, peopleView);
route(/^\/users\/(\d+)(?:\/(followers|following))?\/?$/, profileView);
route(/^\/@([A-Za-z0-9_.]{1,31})\/?$/, handleView);
route(/^\/tweets\/(\d+)\/?$/, threadView);
route(/^\/notifications\/?$/, notificationsView);
route(/^\/search\/?$/, searchView);
route(/^\/hashtags\/([^/]+)\/?$/, hashtagView);
route(/^\/sessions\/?$/, sessionsView);
route(/^\/admin(?:\/(people|reports|announcements|audit))?\/?$/, adminView);

const root = /** @type {HTMLElement} */ (document.getElementById("app")); // in index.html
/** @type {{ element: HTMLDivElement, main: HTMLElement } | null} */
let shell = null;
/** @type {ViewHandle | null} */
let current = null;
let rendering = 0;
let first = true;
/** @type {MessageKey | null} */
let signInReason = null; // why the person is asked to sign in (again), a message key
/** @type {ApiError | null} */
let unavailable = null; // the error the "service is not answering" page shows

// Focus moves to the content without touching the address (which would redraw the view).
/** @param {MouseEvent} event */
function skipToContent(event) {
  event.preventDefault();
  shell?.main.focus(); // (the link is in the shell)
}

function buildShell() {
  const self = signedIn();
  const signOutButton = h("button", { type: "button", class: "button button-quiet", "data-action": "sign-out" }, t("nav.signOut"));
  signOutButton.addEventListener("click", async () => {
    signOutButton.disabled = true;
    await signOut(); // a session ends at the server before the sign-in page asks about it
    navigate("/");
  });
  /**
   * @param {string} href
   * @param {string} label
   * @param {string} name
   */
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
          self.is_admin ? link("/admin", t("nav.admin"), "admin") : null,
        ),
        searchBox(),
        h(
          "div",
          { class: "account" },
          bell(),
          languagePicker({ compact: true }),
          h("span", { class: "account-name", "data-role": "account-name", title: self.name, dir: "auto" }, self.name),
          signOutButton,
        ),
      ),
    ),
    announcementsBanner(),
    main,
  );
  return { element, main };
}

// "My profile" stays marked on its followers and following pages too.
/** @param {HTMLElement} frame the shell's element */
function markCurrentNav(frame) {
  const here = location.pathname.replace(/(.)\/$/, "$1");
  for (const link of /** @type {NodeListOf<HTMLAnchorElement>} */ (frame.querySelectorAll(".nav-link"))) {
    const path = new URL(link.href).pathname;
    if (here === path || (path !== "/" && here.startsWith(`${path}/`))) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

function leave() {
  current?.leave?.();
  current = null;
}

// Every view is drawn the same way (types.js, View): with the route's params (none
// for a view no route names), the address's query and the state saved in its
// history entry.
/**
 * @param {View} view
 * @param {RouteParams} [params]
 */
function page(view, params = []) {
  const query = new URLSearchParams(location.search);
  const restore = savedViewState();
  const container = shell ? shell.main : root;
  // A dialog belongs to the view that opened it (a confirmation closing this way says no).
  for (const dialog of /** @type {NodeListOf<HTMLDialogElement>} */ (document.querySelectorAll("dialog[open]"))) dialog.close();
  container.replaceChildren();
  current = view(container, params, query, restore) ?? {};
  document.title = current.title ? t("app.title", { page: current.title }) : t("app.name");
}

/** @param {SignInKept | null} [kept] */
function showSignIn(kept = null) {
  shell = null;
  showQuery(""); // the next person's header starts empty
  first = false; // after signing in, focus goes to the page's heading
  root.replaceChildren();
  const reason = signInReason;
  page(
    signInView({
      problem: reason && (() => t(reason)),
      kept,
      onSignedIn: () => {
        signInReason = null;
        render();
      },
    }),
  );
}

/** @param {ApiError} error */
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
    let signedInNow = true;
    try {
      if (key) await signIn(key);
      else signedInNow = await resume(); // by the company account's session cookie
    } catch (caught) {
      const error = /** @type {ApiError} */ (caught);
      if (mine !== rendering) return;
      if (error.status !== 401) return showUnavailable(error);
      signOut();
      signInReason = key ? "signin.expired" : "signin.sessionEnded";
      return showSignIn();
    }
    if (mine !== rendering) return;
    if (!signedInNow) return showSignIn();
  }
  if (!shell) {
    shell = buildShell();
    root.replaceChildren(shell.element);
    startLive(); // once per sign-in: a second call while it runs does nothing
    refreshUnreadCount();
  }
  markCurrentNav(shell.element);
  const found = match(location.pathname);
  if (found) page(found.view, found.params);
  else page(notFoundView);
  // A new page takes the focus to its heading, unless the search field opened it as
  // the person typed there.
  if (!first) {
    window.scrollTo(0, 0);
    const heading = shell.main.querySelector("h1");
    if (heading) heading.tabIndex = -1;
    if (!typingSearch()) (heading ?? shell.main).focus({ preventScroll: true });
  }
  first = false;
}

// The key stopped working mid-visit (rotated, say): back to signing in, with a reason.
whenUnauthorized(() => {
  leave();
  signInReason = signedInByCookie() ? "signin.sessionEnded" : "signin.expired";
  signOut();
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
  if (here) /** @type {HTMLElement | null} */ (document.querySelector("[data-role=language]"))?.focus();
});

setInterval(() => refreshTimes(), 30_000);
noticeArea(); // an empty live region from the start, so the first notice is announced
start(render, { snapshot: () => ({ scrollY: window.scrollY, loaded: current?.loaded?.() ?? 0 }) });
