// @ts-check
// Building the page from data. Text always goes in as text nodes, never as HTML,
// so nothing a person typed can become markup or script. Events are wired one way
// throughout the app: addEventListener on the element once it is made (h() takes
// attributes and properties only, no on… handlers).

/**
 * Class names; in a list, false, null and undefined are left out (`compact && "compact"`).
 * @typedef {string | Array<string | false | null | undefined>} ClassValue
 */

/**
 * An element's attributes by name, and a few properties: `class` (a ClassValue),
 * `dataset` (data-* values), `value`, `checked`, `indeterminate`. null, undefined and
 * false leave an attribute out; true sets it empty. No event handlers: those are
 * added with addEventListener.
 * @typedef {{
 *   class?: ClassValue,
 *   dataset?: Record<string, string | number>,
 *   [name: string]: AttributeValue | ClassValue | Record<string, string | number>,
 * }} Props
 */

/** @typedef {string | number | boolean | null | undefined} AttributeValue */

/**
 * What goes into an element: nodes, and text (numbers too); null, undefined and
 * false are left out; lists are flattened (at any depth; typed to two, which is as
 * deep as the app nests them).
 * @typedef {Content | ReadonlyArray<Content | ReadonlyArray<Content>>} Child
 */

/** @typedef {Node | string | number | boolean | null | undefined} Content */

const PROPERTIES = new Set(["value", "checked", "indeterminate"]);

/**
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Props | null} [props]
 * @param {...Child} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, props, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props ?? {})) {
    if (value == null || value === false) continue;
    if (name === "class") {
      const names = /** @type {ClassValue} */ (value);
      element.className = Array.isArray(names) ? names.filter(Boolean).join(" ") : names;
    } else if (name === "dataset") {
      Object.assign(element.dataset, value);
    } else if (PROPERTIES.has(name)) {
      Object.assign(element, { [name]: value }); // the property, as element[name] = value
    } else {
      element.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(element, children);
  return element;
}

/**
 * @template {ParentNode} P
 * @param {P} parent
 * @param {Child[]} children
 * @returns {P}
 */
export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child == null || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

/**
 * @template {ParentNode} E
 * @param {E} element
 * @returns {E}
 */
export function clear(element) {
  element.replaceChildren();
  return element;
}

// Ids for label/aria links that stay unique however often a component is built.
let counter = 0;
/** @param {string} prefix */
export function uniqueId(prefix) {
  counter += 1;
  return `${prefix}-${counter}`;
}

/**
 * @param {keyof typeof ICONS} name
 * @returns {SVGSVGElement}
 */
export function icon(name) {
  // Inline SVG from our own sprite-free set: a few paths, drawn with currentColor.
  const paths = ICONS[name];
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("class", `icon icon-${name}`);
  for (const d of paths) {
    const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
    path.setAttribute("d", d);
    svg.append(path);
  }
  return svg;
}

const ICONS = {
  heart: ["M12 20.5s-7.5-4.6-9.3-9.2C1.5 8.2 3.4 4.5 7 4.5c2 0 3.6 1.1 5 3 1.4-1.9 3-3 5-3 3.6 0 5.5 3.7 4.3 6.8-1.8 4.6-9.3 9.2-9.3 9.2z"],
  trash: ["M4 7h16", "M9 7V4h6v3", "M6 7l1 13h10l1-13", "M10 11v6", "M14 11v6"],
  image: ["M4 5h16v14H4z", "M4 16l5-5 4 4 3-3 4 4", "M15.5 9.5a1.5 1.5 0 1 0 0-.01"],
  close: ["M6 6l12 12", "M18 6L6 18"],
  prev: ["M15 5l-7 7 7 7"],
  next: ["M9 5l7 7-7 7"],
  reply: ["M10 8V4L3 11l7 7v-4.1c5 0 8.5 1.6 11 5.1-1-5-4-10-11-11z"],
  pencil: ["M4 20h4L19 9l-4-4L4 16z", "M13.5 6.5l4 4"],
  bell: ["M6 16V11a6 6 0 0 1 12 0v5l2 2H4z", "M10 20a2 2 0 0 0 4 0"],
  flag: ["M5 21V4", "M5 4h11l-2 4 2 4H5"],
};
