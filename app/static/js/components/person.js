// @ts-check
// A person as the page shows them: initials avatar, name linking to the profile,
// and a follow button that stays right wherever the same person appears.
/** @import { UserRef, UserSummary } from "../types.js" */
import { api } from "../api.js";
import { h } from "../dom.js";
import { t, tIsolated } from "../i18n.js";
import { follows, isMe, onFollowChange, setFollowing } from "../session.js";
import { notifyError } from "./notice.js";

/**
 * @param {UserRef} person
 * @param {"small" | "large"} [size]
 */
export function avatar(person, size = "small") {
  const initials = person.name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((word) => word.match(/\p{L}/u)?.[0].toUpperCase() ?? "")
    .join("");
  const element = h("span", { class: ["avatar", `avatar-${size}`], "aria-hidden": "true" }, initials || "?");
  // Through the CSSOM: the Content-Security-Policy allows no style attributes.
  element.style.setProperty("--hue", String((person.id * 137) % 360));
  return element;
}

/**
 * @param {UserRef} person
 * @param {string} [className]
 */
export function profileLink(person, className = "person-link") {
  return h("a", { href: `/users/${person.id}`, class: className, dir: "auto" }, person.name);
}

// "@alee": unique where names are not (two Ann Lees), and what a mention types.
// Left to right whatever the text around it; nothing when the API sent none.
/** @param {UserRef} person */
export function handleOf(person) {
  return person.handle ? h("span", { class: "handle", dir: "ltr" }, `@${person.handle}`) : null;
}

// None for the signed-in person themself.
/**
 * @param {UserRef} person
 * @returns {HTMLButtonElement | null}
 */
export function followButton(person) {
  if (isMe(person.id)) return null;
  const button = h("button", { type: "button", class: "button follow-button", "data-action": "follow" });

  /** @param {boolean} following */
  function show(following) {
    button.textContent = following ? t("follow.unfollow") : t("follow.follow");
    button.classList.toggle("is-following", following);
    button.setAttribute("aria-label", t(following ? "follow.unfollowName" : "follow.followName", { name: person.name }));
    button.dataset.following = String(following);
  }

  let busy = false;
  button.addEventListener("click", async () => {
    if (busy) return;
    const following = !follows(person.id);
    busy = true;
    button.setAttribute("aria-busy", "true");
    try {
      await (following ? api.follow(person.id) : api.unfollow(person.id));
    } catch (caught) {
      const error = /** @type {Error} */ (caught);
      notifyError(tIsolated(following ? "follow.failedFollow" : "follow.failedUnfollow", { name: person.name, reason: error.message }));
      return;
    } finally {
      busy = false;
      button.removeAttribute("aria-busy");
    }
    setFollowing(person, following);
  });
  onFollowChange(button, (changed, following) => {
    if (changed.id === person.id) show(following);
  });
  show(follows(person.id));
  return button;
}

// One row of a people list: avatar, name, optional counts, follow button.
/**
 * @overload
 * @param {UserSummary} person
 * @param {{ counts: true }} options
 * @returns {HTMLLIElement}
 */
/**
 * @overload
 * @param {UserRef} person
 * @param {{ counts?: false }} [options]
 * @returns {HTMLLIElement}
 */
/**
 * @param {UserRef | UserSummary} person
 * @param {{ counts?: boolean }} [options]
 * @returns {HTMLLIElement}
 */
export function personRow(person, { counts = false } = {}) {
  const details = h("div", { class: "person-details" }, profileLink(person), " ", handleOf(person));
  const row = h("li", { class: "person", dataset: { userId: person.id } }, avatar(person), details, followButton(person));
  if (counts) {
    const summary = /** @type {UserSummary} */ (person); // counts are asked for with a UserSummary only
    const line = h("p", { class: "person-counts" });
    const show = () =>
      line.replaceChildren(
        t("profile.followersCount", { count: summary.followers_count }),
        " · ",
        t("profile.followingCount", { count: summary.following_count }),
      );
    details.append(line);
    show();
    onFollowChange(row, (changed, following) => {
      if (changed.id !== person.id) return;
      summary.followers_count += following ? 1 : -1;
      show();
    });
  }
  return row;
}
