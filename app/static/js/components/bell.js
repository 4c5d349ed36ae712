// @ts-check
// The bell in the header: a link to the notifications with how many are unread, kept
// current by the live updates.
/** @import { LiveEvent } from "../types.js" */
import { api } from "../api.js";
import { h, icon } from "../dom.js";
import { t } from "../i18n.js";
import { onLive } from "../live.js";
import { signedIn } from "../session.js";

const MOST_SHOWN = 99;

/** @type {number} */
let unread = 0; // as last heard, kept over the header's redrawing (a change of language)
/** @type {number | null} */
let whose = null; // whose count `unread` is: the next person to sign in here starts at 0
/** @type {((count: number) => void) | null} */
let showOnBell = null;
let asked = 0;

/** @param {number} count */
export function setUnreadCount(count) {
  unread = Math.max(0, count);
  showOnBell?.(unread);
}

// Asks the service (the cheap count); the latest question's answer wins.
export async function refreshUnreadCount() {
  const mine = ++asked;
  try {
    const { unread_count: count } = await api.unreadCount();
    if (mine === asked) setUnreadCount(count);
  } catch (error) {
    console.warn("could not read the unread count", error); // the bell keeps what it had
  }
}

// The service sends the count when a stream opens and whenever it changes (a new
// notification, one withdrawn, some read in another tab), so the bell asks for it
// itself only when the app starts and after marking some read.
/** @param {LiveEvent} event */
function heard(event) {
  if (event.type !== "unread_count") return;
  const count = typeof event.data === "number" ? event.data : event.data?.unread_count;
  if (typeof count === "number") setUnreadCount(count);
}

export function bell() {
  if (whose !== signedIn().id) {
    whose = signedIn().id;
    unread = 0;
  }
  const badge = h("span", { class: "bell-badge", "aria-hidden": "true" });
  const link = h(
    "a",
    { href: "/notifications", class: "nav-link bell", dataset: { nav: "notifications", role: "bell" } },
    icon("bell"),
    badge,
  );
  /** @param {number} count */
  const show = (count) => {
    const label = count > 0 ? t("bell.unread", { count }) : t("nav.notifications");
    link.setAttribute("aria-label", label);
    link.title = label;
    link.dataset.unread = String(count);
    badge.textContent = count > MOST_SHOWN ? `${MOST_SHOWN}+` : String(count);
    badge.hidden = count === 0;
  };
  showOnBell = show;
  show(unread);
  onLive(link, heard);
  return link;
}
