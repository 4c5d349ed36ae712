// @ts-check
// Announcements at the top of the app, for everyone signed in: the active ones they
// have not dismissed, newest first, each with its links clickable and a dismiss
// button. New ones arrive through the live updates (`announcement`), withdrawn
// ones leave (`announcement_withdrawn`), and each goes by itself when it ends.
/** @import { ApiError } from "../api.js" */
/** @import { Announcement, LiveEvent } from "../types.js" */
import { announcementApi } from "../admin-api.js";
import { h, icon } from "../dom.js";
import { fullDate, t } from "../i18n.js";
import { onLive } from "../live.js";
import { postText } from "../post-text.js";
import { signedIn } from "../session.js";
import { notifyError } from "./notice.js";

// Longer than this and setTimeout would fire at once; such an end is far off anyway.
const LONGEST_TIMER_MS = 2 ** 31 - 1;

/** @type {Map<number, Announcement>} */
const shown = new Map(); // what the banner shows, kept over the header's redrawing
/** @type {number | null} */
let whose = null; // whose announcements `shown` holds
/** @type {Set<number>} */
const gone = new Set(); // dismissed or withdrawn here: a replayed event brings none back
/** @type {(() => void) | null} */
let redraw = null; // the banner on screen
/** @type {Map<number, Announcement> | null} */
let heardMeanwhile = null; // what came live while the list was being loaded

// An announcement's text as page content: only its web addresses become links, as
// they do in posts (post-text.js), and nothing in it is ever read as HTML.
/** @param {Pick<Announcement, "text">} announcement */
export function announcementText(announcement) {
  return h("p", { class: "announcement-text", dir: "auto" }, postText({ content: announcement.text, mentions: [], hashtags: [] }));
}

// "Ends:" and the full date and time the announcement ends.
/** @param {string} iso */
export function endTime(iso) {
  return h("span", { class: "announcement-end" }, t("announcements.ends"), " ", h("time", { datetime: iso }, fullDate(new Date(iso))));
}

/** @param {Announcement} announcement */
function ended(announcement) {
  return announcement.ends_at !== null && new Date(announcement.ends_at).getTime() <= Date.now();
}

/** @param {Announcement} announcement */
function add(announcement) {
  if (gone.has(announcement.id) || ended(announcement)) return;
  shown.set(announcement.id, announcement);
  if (announcement.ends_at) {
    const left = new Date(announcement.ends_at).getTime() - Date.now();
    if (left < LONGEST_TIMER_MS) setTimeout(() => remove(announcement.id), left);
  }
}

/** @param {number} id */
function remove(id) {
  gone.add(id);
  if (shown.delete(id)) redraw?.();
}

/** @param {LiveEvent} event */
function heard(event) {
  if (event.type === "announcement" && typeof event.data?.id === "number") {
    heardMeanwhile?.set(event.data.id, event.data);
    add(event.data);
    redraw?.();
  } else if (event.type === "announcement_withdrawn" && typeof event.data?.id === "number") {
    remove(event.data.id);
  } else if (event.type === "reconnected") {
    load(); // what was published or withdrawn while the stream was down
  }
}

// The service's list replaces what was shown (some may have been dismissed in
// another tab), but for what came live while it was being asked.
async function load() {
  const person = whose;
  const meanwhile = new Map();
  heardMeanwhile = meanwhile;
  try {
    const { announcements } = await announcementApi.active();
    if (person !== whose) return; // someone else signed in meanwhile
    shown.clear();
    for (const announcement of [...announcements, ...meanwhile.values()]) add(announcement);
    redraw?.();
  } catch (error) {
    console.warn("could not load the announcements", error); // the live ones still come
  } finally {
    if (heardMeanwhile === meanwhile) heardMeanwhile = null;
  }
}

/** @param {Announcement} announcement */
function item(announcement) {
  const dismiss = h(
    "button",
    { type: "button", class: "icon-button", "data-action": "dismiss", "aria-label": t("banner.dismiss"), title: t("banner.dismiss") },
    icon("close"),
  );
  dismiss.addEventListener("click", async () => {
    dismiss.disabled = true;
    try {
      await announcementApi.dismiss(announcement.id);
    } catch (caught) {
      const error = /** @type {ApiError} */ (caught);
      dismiss.disabled = false;
      if (error.status === 404)
        remove(announcement.id); // withdrawn meanwhile
      else notifyError(t("banner.dismissFailed", { reason: error.message }));
      return;
    }
    remove(announcement.id);
  });
  return h(
    "li",
    { class: "announcement", dataset: { announcementId: announcement.id } },
    h("span", { class: "announcement-icon", "aria-hidden": "true" }, icon("bell")),
    announcementText(announcement),
    dismiss,
  );
}

// The banner for the frame, under the header; empty (and hidden) when there is nothing.
export function announcementsBanner() {
  // Asked each time the frame is built: at sign-in, and when the language changes.
  if (whose !== signedIn().id) {
    whose = signedIn().id;
    shown.clear();
    gone.clear();
  }
  load();
  const list = h("ul", { class: "announcements-list" });
  const element = h("section", { class: "announcements", "aria-label": t("banner.label"), "data-role": "announcements" }, list);
  redraw = () => {
    const newest = [...shown.values()].sort((a, b) => b.created_at.localeCompare(a.created_at) || b.id - a.id);
    list.replaceChildren(...newest.map(item));
    element.hidden = newest.length === 0;
  };
  redraw();
  onLive(element, heard);
  return element;
}
