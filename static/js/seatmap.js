import { createSeatKeys } from "./seatmap-keys.js";
import { createMapView } from "./seatmap-view.js";

// The seat picker: live seat states (snapshot + versioned deltas over htmx SSE), the section overview, seat
// names and selection. The server draws every state (a big map's seats come as JSON per section, drawn when the
// section opens), so nothing here walks all seats at startup, and deltas touch only their own seats.
// Zoom and gestures: seatmap-view.js; keyboard: seatmap-keys.js.

const picker = document.getElementById("picker");
const svg = document.getElementById("seatmap");
const viewport = document.getElementById("map-viewport");
const info = document.getElementById("seat-info");
const minimap = document.getElementById("minimap");
const hint = document.getElementById("map-hint");
const tools = picker.querySelector(".map-tools");
const liveState = picker.querySelector(".live-state");
const myTag = picker.dataset.myTag;
const slug = picker.dataset.event;
const prices = JSON.parse(document.getElementById("seat-prices").textContent);
const categories = Object.fromEntries(
  JSON.parse(document.getElementById("seat-categories").textContent).map((c) => [c.css, c]),
);
const FLAG_NAMES = [[1, "wheelchair space"], [2, "companion seat"], [4, "restricted view"]];
const STATUS_WORDS = { available: "available", mine: "held by you", held: "held by someone else",
  sold: "sold", blocked: "not for sale" };

tools.hidden = false;
liveState.textContent = "connecting…";

// --- seat states: what the server drew, then versions from the snapshot and deltas ----------------------------
// key -> {v, by, shown} for seats the snapshot or a delta has spoken about; all others are available.
const known = new Map();
const elements = new Map(); // key -> circle, filled as seats are looked up (a big map draws a section on opening)

function seatElement(key) {
  let el = elements.get(key);
  if (!el) {
    el = svg.querySelector(`circle.seat[data-k="${CSS.escape(key)}"]`);
    if (el) elements.set(key, el);
  }
  return el;
}

// A big map's seats come as JSON per section (see render.py), read when the section opens or a delta needs it.
const sectionSeats = new Map(); // section index -> parsed rows
function seatsOf(index) {
  if (!sectionSeats.has(index)) {
    const script = document.getElementById(`sec-seats-${index}`);
    sectionSeats.set(index, script ? JSON.parse(script.textContent) : null);
  }
  return sectionSeats.get(index);
}
let sectionOfKey = null;
function sectionIndexOf(key) {
  if (!sectionOfKey) {
    sectionOfKey = new Map();
    svg.querySelectorAll("g.sec").forEach((_, index) => {
      for (const [, rowSeats] of seatsOf(index) ?? []) for (const [seatKey] of rowSeats) sectionOfKey.set(seatKey, index);
    });
  }
  return sectionOfKey.get(key);
}

function statusOf(el) {
  return el.getAttribute("class").match(/ s-(\w+)$/)[1];
}

function isPickable(el) {
  const status = statusOf(el);
  return status !== "sold" && status !== "blocked";
}

function setState(key, status, v, by) {
  const seen = known.get(key) ?? { v: 0, by: null, shown: "available" };
  if (v !== undefined && v !== null && v < seen.v) return; // an older delta than what we show
  const el = seatElement(key);
  const section = el ? Number(el.closest("g.sec").dataset.sec) : sectionIndexOf(key);
  if (section === undefined) return; // not a seat of this map
  const shown = status === "held" && by === myTag ? "mine" : status;
  known.set(key, { v: v ?? seen.v, by: by ?? null, shown });
  const before = el ? statusOf(el) : seen.shown;
  if (before === shown) return;
  if (before === "available" || shown === "available") countLeft(section, shown === "available" ? 1 : -1);
  if (!el) return;
  el.setAttribute("class", el.getAttribute("class").replace(/ s-\w+$/, ` s-${shown}`));
  if (el.hasAttribute("role")) name(el);
  if (el === keys.focused()) describe(el);
}

// --- sections: the overview shapes with what is left --------------------------------------------------------
const sections = [...svg.querySelectorAll("g.sec")];
const shapes = [...svg.querySelectorAll("g.sec-shape")];
const left = shapes.map((shape) => Number.parseInt(shape.querySelector(".sec-left").textContent, 10) || 0);

function nameShape(index) {
  const shape = shapes[index];
  const category = categories[[...shape.classList].find((c) => categories[c])];
  const what = left[index] > 0 ? `${left[index]} left` : "sold out";
  shape.setAttribute("aria-label", `${sections[index].dataset.name}, ${category.name}, `
    + `${prices[category.key] ?? "not on sale"}, ${what}`);
  shape.querySelector(".sec-left").textContent = left[index] > 0 ? `${left[index]} left` : "Sold out";
  shape.classList.toggle("soldout", left[index] <= 0);
}

function countLeft(index, change) {
  left[index] += change;
  nameShape(index);
}

for (const [index, shape] of shapes.entries()) {
  shape.setAttribute("role", "button");
  shape.setAttribute("tabindex", "0");
  nameShape(index);
}

// --- seat names: given to a section's seats when it opens, kept up to date after -------------------------------
function nameParts(el) {
  const category = categories[el.classList[1]];
  const flags = FLAG_NAMES.filter(([bit]) => Number(el.dataset.f ?? 0) & bit).map(([, flag]) => flag);
  return [`${el.closest("g.sec").dataset.name}, row ${el.parentNode.dataset.row}, seat ${el.dataset.n}`,
    prices[category.key] ?? "not on sale", STATUS_WORDS[statusOf(el)], ...flags];
}

function name(el) {
  const status = statusOf(el);
  if (status === "sold" || status === "blocked") {
    el.removeAttribute("role");
    el.removeAttribute("aria-pressed");
    el.setAttribute("aria-hidden", "true"); // skipped by the arrows too; the list names what is left
    return;
  }
  el.removeAttribute("aria-hidden");
  el.setAttribute("role", "button");
  el.setAttribute("aria-label", nameParts(el).join(", "));
  el.setAttribute("aria-pressed", String(status === "mine"));
}

function describe(el) {
  const [where, price, status, ...flags] = nameParts(el);
  const category = categories[el.classList[1]];
  info.textContent = [where, category.name, price, status, ...flags].join(" · ");
}

function numberFor(el) {
  const number = document.createElementNS(svg.namespaceURI, "text");
  number.setAttribute("class", "num");
  number.setAttribute("x", el.getAttribute("cx"));
  number.setAttribute("y", el.getAttribute("cy"));
  number.textContent = el.dataset.n;
  return number;
}

const FLAG_MARKS = [[1, "\u267f"], [2, "C"], [4, "R"]]; // as render.py draws them

// Draws a big map's section from its JSON, each seat in its known state.
function drawSeats(section) {
  const rows = seatsOf(Number(section.dataset.sec));
  if (!rows) return;
  const drawing = document.createDocumentFragment();
  const make = (tag, attributes) => {
    const el = document.createElementNS(svg.namespaceURI, tag);
    for (const [attribute, value] of Object.entries(attributes)) el.setAttribute(attribute, value);
    return el;
  };
  for (const [label, rowSeats] of rows) {
    const row = make("g", { class: "row", "data-row": label });
    const marks = [];
    for (const [key, number, x, y, category, flags] of rowSeats) {
      const status = known.get(key)?.shown ?? "available";
      const el = make("circle", { cx: x, cy: y, class: `seat c${category} s-${status}`, "data-k": key, "data-n": number });
      if (flags) el.dataset.f = flags;
      row.append(el);
      for (const [bit, mark] of FLAG_MARKS) {
        if (flags & bit) marks.push(Object.assign(make("text", { class: "flag-mark", x: x + 6, y: y - 6 }), { textContent: mark }));
      }
    }
    row.append(...marks);
    drawing.append(row);
  }
  section.append(drawing);
}

const prepared = new Set();
function prepareSection(section) {
  if (prepared.has(section)) return;
  prepared.add(section);
  if (!section.querySelector("circle.seat")) drawSeats(section);
  for (const el of section.querySelectorAll("circle.seat")) {
    el.setAttribute("tabindex", "-1");
    name(el);
  }
  // The first, every fifth and the last seat of a row are numbered, as stadium plans do: each SVG text is laid
  // out again whenever the zoom changes, and a number on every seat made pinching a big section stutter.
  for (const row of section.querySelectorAll("g.row")) {
    const seats = row.querySelectorAll("circle.seat");
    for (const [pos, el] of seats.entries()) {
      if (pos % 5 === 4 || pos === 0 || pos === seats.length - 1) el.after(numberFor(el));
    }
    const ends = seats.length > 1 ? [[seats[0], seats[1]], [seats[seats.length - 1], seats[seats.length - 2]]]
      : [[seats[0], null]];
    for (const [end, inner] of ends) {
      const x = Number(end.getAttribute("cx")), y = Number(end.getAttribute("cy"));
      const dx = inner ? x - Number(inner.getAttribute("cx")) : -1, dy = inner ? y - Number(inner.getAttribute("cy")) : 0;
      const length = Math.hypot(dx, dy) || 1;
      const label = document.createElementNS(svg.namespaceURI, "text");
      label.setAttribute("class", "row-label");
      label.setAttribute("x", x + (dx / length) * 14);
      label.setAttribute("y", y + (dy / length) * 14);
      label.setAttribute("aria-hidden", "true");
      label.textContent = row.dataset.row;
      row.append(label);
    }
  }
}

// --- live updates over htmx SSE -------------------------------------------------------------------------------
function setArea(key, placesLeft, v) {
  const area = areas.get(key);
  if (!area || v < area.v) return;
  area.v = v;
  if (area.shape) area.shape.classList.toggle("ga-soldout", placesLeft <= 0);
  if (area.label) area.label.textContent = placesLeft > 0 ? `${placesLeft} of ${area.capacity} left` : "Sold out";
}

// Standing areas: the places left, from the snapshot and from deltas that carry `left`.
const areas = new Map(); // key -> {shape, label, v}
for (const shape of svg.querySelectorAll("polygon.ga")) {
  const label = document.querySelector(`[data-left-for="${CSS.escape(shape.dataset.area)}"]`);
  areas.set(shape.dataset.area, { shape, label, v: 0, capacity: label ? label.dataset.capacity : null });
}
for (const label of document.querySelectorAll("[data-left-for]")) { // general-admission tiers have no shape
  const key = label.dataset.leftFor;
  if (!areas.has(key)) areas.set(key, { shape: null, label, v: 0, capacity: label.dataset.capacity });
}

function applySnapshot(snapshot) {
  for (const [key, placesLeft, v] of snapshot.areas || []) setArea(key, placesLeft, v);
  const listed = new Set();
  for (const [key, status, v, by] of snapshot.seats) {
    listed.add(key);
    setState(key, status, v, by);
  }
  // Only seats known as taken can have become available: no walk over every seat.
  for (const [key, seen] of known) {
    if (seen.shown !== "available" && !listed.has(key) && seen.v <= snapshot.seq) setState(key, "available", null, null);
  }
}

function applyDelta(delta) {
  for (const change of delta.changes) {
    if (change.left !== undefined) setArea(change.key, change.left, change.v);
    else setState(change.key, change.status, change.v, change.by);
  }
}

// The server drew this snapshot already; only its versions and holders are noted.
for (const [key, status, v, by] of JSON.parse(document.getElementById("seat-snapshot").textContent).seats) {
  known.set(key, { v, by, shown: status === "held" && by === myTag ? "mine" : status });
}

picker.addEventListener("htmx:sseBeforeMessage", (event) => {
  event.preventDefault(); // we apply JSON ourselves; no HTML swap
  const data = JSON.parse(event.detail.data);
  if (event.detail.type === "snapshot") applySnapshot(data);
  else if (event.detail.type === "delta") applyDelta(data);
});
picker.addEventListener("htmx:sseOpen", () => { liveState.textContent = "live"; liveState.dataset.state = "live"; });
picker.addEventListener("htmx:sseError", () => { liveState.textContent = "reconnecting…"; liveState.dataset.state = "down"; });

// --- holding and releasing ------------------------------------------------------------------------------------
function toggle(el) {
  const status = statusOf(el);
  const action = status === "mine" ? "release" : status === "available" ? "hold" : null;
  if (action) htmx.ajax("POST", `/events/${slug}/seats/${action}`, { target: "#cart", values: { seat: el.dataset.k } });
}

// The cart fragment says which seats this cart holds; show them at once, before the delta arrives.
document.body.addEventListener("cart-changed", (event) => {
  const held = new Set(event.detail.held);
  for (const key of held) setState(key, "held", null, myTag);
  for (const [key, seen] of known) if (seen.shown === "mine" && !held.has(key)) setState(key, "available", null, null);
});
document.addEventListener("countdown-expired", () => {
  for (const [key, seen] of known) if (seen.shown === "mine") setState(key, "available", null, null);
});

// --- the view: the overview and open sections --------------------------------------------------------------
const map = createMapView({ svg, viewport, minimap, hint, shapes, onTouchZoomed: openNearestSection });
// A small venue opens on its seats, unless they are too small to see (a phone): then on its sections.
if (sections.length > 1 && map.seatPx() < 8) svg.classList.add("overview");
const overview = svg.classList.contains("overview");
if (!overview) for (const section of sections) prepareSection(section);
let openSection = null;

function open(index, at) {
  const section = sections[index];
  if (overview && openSection !== section) {
    openSection?.classList.remove("open");
    shapes[Number(openSection?.dataset.sec)]?.classList.remove("open");
    section.classList.add("open");
    shapes[index].classList.add("open");
    svg.classList.add("opened");
    openSection = section;
  }
  prepareSection(section);
  map.showArea(shapes[index].querySelector("polygon").getBBox(), at);
  // Tab then reaches this section's seats (its first one that can be picked).
  const first = keys.focused()?.closest("g.sec") === section ? null : firstPickable(section);
  if (first) keys.setRoving(first);
}

function showOverview() {
  svg.classList.remove("opened");
  openSection?.classList.remove("open");
  for (const shape of shapes) shape.classList.remove("open");
  openSection = null;
  map.setView(map.home);
}

// After zooming in on the overview by pinching, the section in the middle of the view opens.
function openNearestSection() {
  if (!overview || openSection || map.seatPx() < 10) return;
  const { view } = map;
  const cx = view.x + view.w / 2, cy = view.y + view.h / 2;
  let best = null;
  for (const [index, shape] of shapes.entries()) {
    const b = shape.querySelector("polygon").getBBox();
    const d = Math.hypot(b.x + b.width / 2 - cx, b.y + b.height / 2 - cy);
    if (!best || d < best.d) best = { index, d };
  }
  if (best) {
    open(best.index);
    map.setView(view);
  }
}

tools.addEventListener("click", (event) => {
  const action = event.target.closest("[data-zoom]")?.dataset.zoom;
  if (!action) return;
  const { view } = map;
  if (action === "reset") showOverview();
  else map.zoomAt(action === "in" ? 1 / 1.4 : 1.4, view.x + view.w / 2, view.y + view.h / 2);
});

document.getElementById("go-to-section")?.addEventListener("change", (event) => {
  if (event.target.value === "") return;
  const index = Number(event.target.value);
  open(index);
  const first = firstPickable(sections[index]);
  if (first) focusSeat(first);
  else shapes[index].focus();
});

for (const button of picker.querySelectorAll(".legend-level")) {
  button.addEventListener("click", () => {
    const on = button.getAttribute("aria-pressed") !== "true";
    for (const other of picker.querySelectorAll(".legend-level")) other.setAttribute("aria-pressed", "false");
    button.setAttribute("aria-pressed", String(on));
    if (on) svg.dataset.highlight = button.dataset.highlight;
    else delete svg.dataset.highlight;
  });
}

// --- clicks and taps ------------------------------------------------------------------------------------
const coarse = matchMedia("(pointer: coarse)");
svg.addEventListener("click", (event) => {
  if (map.dragged()) return;
  map.measure();
  const area = event.target.closest("polygon.ga");
  if (area) {
    const form = document.querySelector(`[data-area-form="${CSS.escape(area.dataset.area)}"]`);
    if (form) form.querySelector("input[name=quantity]").focus();
    return;
  }
  const shape = event.target.closest("g.sec-shape");
  if (shape) {
    open(Number(shape.dataset.sec), map.toMap(map.view, event.clientX, event.clientY));
    return;
  }
  const el = event.target.closest("circle.seat");
  if (!el) return;
  // On a touch screen a seat too small to aim at is brought to a size where it can be, not taken blindly.
  if (coarse.matches && map.seatPx() < 20) {
    map.zoomToPick(Number(el.getAttribute("cx")), Number(el.getAttribute("cy")));
    return;
  }
  if (!isPickable(el)) return;
  focusSeat(el);
  toggle(el);
});

// --- focus and keyboard -----------------------------------------------------------------------------------
const keys = createSeatKeys({
  svg, isPickable, prepareSection, describe, toggle,
  reveal: (el) => {
    const section = el.closest("g.sec");
    const at = [Number(el.getAttribute("cx")), Number(el.getAttribute("cy"))];
    if (overview && section !== openSection) open(Number(section.dataset.sec), at);
    map.keepInView(...at);
  },
  enterSection: (index) => {
    open(index);
    keys.focusSeat(keys.firstPickable(sections[index]));
  },
  leaveSection: (el) => {
    if (!overview) return false;
    shapes[Number(el.closest("g.sec").dataset.sec)].focus();
    showOverview();
    return true;
  },
});
const { firstPickable, focusSeat } = keys;

svg.addEventListener("pointerover", (event) => {
  const el = event.target.closest("circle.seat");
  if (el) describe(el);
});

// The keyboard starts on a seat that can be picked.
if (!overview && sections.length) keys.setRoving(firstPickable(sections[0]) ?? sections[0].querySelector("circle.seat"));
