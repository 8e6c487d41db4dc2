// The seat picker: live seat states (snapshot + versioned deltas over htmx SSE), click and keyboard selection,
// zoom and pan (mouse, wheel, touch), seat details. Only the seats that change are touched in the DOM.

const picker = document.getElementById("picker");
const svg = document.getElementById("seatmap");
const info = document.getElementById("seat-info");
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

// --- the seat index -------------------------------------------------------------------------------------
const seats = new Map(); // key -> {el, base, section, row, number, flags, rowSeats, pos, status, v, by}
const rows = [];
for (const el of svg.querySelectorAll("circle.seat")) {
  seats.set(el.dataset.k, { el, base: el.getAttribute("class"), status: "available", v: 0, by: null });
}
for (const [section, rowLabel, rowSeats] of JSON.parse(document.getElementById("seat-index").textContent)) {
  const keys = rowSeats.map(([key]) => key);
  const row = { section, label: rowLabel, keys, index: rows.length };
  rows.push(row);
  rowSeats.forEach(([key, number, flags], pos) => { Object.assign(seats.get(key), { section, row, number, flags, pos }); });
}

function visibleStatus(seat) {
  return seat.status === "held" && seat.by === myTag ? "mine" : seat.status;
}

function paint(seat) {
  seat.el.setAttribute("class", `${seat.base} s-${visibleStatus(seat)}`);
}

function setState(key, status, v, by) {
  const seat = seats.get(key);
  if (!seat || (v !== undefined && v !== null && v < seat.v)) return; // an older delta than what we show
  if (v !== undefined && v !== null) seat.v = v;
  seat.status = status;
  seat.by = by ?? null;
  paint(seat);
  if (seat.el === document.activeElement) describe(seat);
}

// Standing areas: the places left, from the snapshot and from deltas that carry `left`.
const areas = new Map(); // key -> {shape, label, v}
for (const shape of svg.querySelectorAll("polygon.ga")) {
  const label = document.querySelector(`[data-left-for="${CSS.escape(shape.dataset.area)}"]`);
  areas.set(shape.dataset.area, { shape, label, v: 0, capacity: label ? label.dataset.capacity : null });
}
// General-admission tiers have places but no shape on the map.
for (const label of document.querySelectorAll("[data-left-for]")) {
  const key = label.dataset.leftFor;
  if (!areas.has(key)) areas.set(key, { shape: null, label, v: 0, capacity: label.dataset.capacity });
}

function setArea(key, left, v) {
  const area = areas.get(key);
  if (!area || v < area.v) return;
  area.v = v;
  if (area.shape) area.shape.classList.toggle("ga-soldout", left <= 0);
  if (area.label) area.label.textContent = left > 0 ? `${left} of ${area.capacity} left` : "Sold out";
}

function applySnapshot(snapshot) {
  for (const [key, left, v] of snapshot.areas || []) setArea(key, left, v);
  const listed = new Map(snapshot.seats.map(([key, status, v, by]) => [key, { status, v, by }]));
  for (const [key, seat] of seats) {
    const state = listed.get(key);
    if (state) setState(key, state.status, state.v, state.by);
    else if (seat.status !== "available" && seat.v <= snapshot.seq) setState(key, "available", null, null);
  }
}

function applyDelta(delta) {
  for (const change of delta.changes) {
    if (change.left !== undefined) setArea(change.key, change.left, change.v);
    else setState(change.key, change.status, change.v, change.by);
  }
}

applySnapshot(JSON.parse(document.getElementById("seat-snapshot").textContent));

// --- live updates over htmx SSE -------------------------------------------------------------------------
picker.addEventListener("htmx:sseBeforeMessage", (event) => {
  event.preventDefault(); // we apply JSON ourselves; no HTML swap
  const data = JSON.parse(event.detail.data);
  if (event.detail.type === "snapshot") applySnapshot(data);
  else if (event.detail.type === "delta") applyDelta(data);
});
picker.addEventListener("htmx:sseOpen", () => { liveState.textContent = "live"; liveState.dataset.state = "live"; });
picker.addEventListener("htmx:sseError", () => { liveState.textContent = "reconnecting…"; liveState.dataset.state = "down"; });

// --- holding and releasing ------------------------------------------------------------------------------
function toggle(seat) {
  const status = visibleStatus(seat);
  if (status === "mine") {
    htmx.ajax("POST", `/events/${slug}/seats/release`, { target: "#cart", values: { seat: seat.el.dataset.k } });
  } else if (status === "available") {
    htmx.ajax("POST", `/events/${slug}/seats/hold`, { target: "#cart", values: { seat: seat.el.dataset.k } });
  }
}

// The cart fragment says which seats this cart holds; show them at once, before the delta arrives.
document.body.addEventListener("cart-changed", (event) => {
  const held = new Set(event.detail.held);
  for (const [key, seat] of seats) {
    if (held.has(key) && visibleStatus(seat) !== "mine") setState(key, "held", null, myTag);
    else if (!held.has(key) && visibleStatus(seat) === "mine") setState(key, "available", null, null);
  }
});

svg.addEventListener("click", (event) => {
  const area = event.target.closest("polygon.ga");
  if (area && !dragged) {
    const form = document.querySelector(`[data-area-form="${CSS.escape(area.dataset.area)}"]`);
    if (form) form.querySelector("input[name=quantity]").focus();
    return;
  }
  const el = event.target.closest("circle.seat");
  if (!el || dragged) return;
  const seat = seats.get(el.dataset.k);
  focusSeat(seat);
  toggle(seat);
});

// --- details, focus and keyboard ------------------------------------------------------------------------
function describe(seat) {
  const category = categories[seat.base.split(" ")[1]];
  const flags = FLAG_NAMES.filter(([bit]) => seat.flags & bit).map(([, name]) => name);
  const text = `${seat.section}, row ${seat.row.label}, seat ${seat.number} · ${category.name} · `
    + `${prices[category.key] ?? "not on sale"} · ${STATUS_WORDS[visibleStatus(seat)]}`
    + (flags.length ? ` · ${flags.join(", ")}` : "");
  info.textContent = text;
  seat.el.setAttribute("aria-label", text);
}

let focused = seats.values().next().value;
function focusSeat(seat) {
  if (!seat) return;
  focused.el.setAttribute("tabindex", "-1");
  seat.el.setAttribute("tabindex", "0");
  seat.el.setAttribute("role", "button");
  focused = seat;
  describe(seat);
  seat.el.focus({ preventScroll: true });
  keepInView(seat);
}

svg.addEventListener("focusin", (event) => {
  const el = event.target.closest("circle.seat");
  if (el) { const seat = seats.get(el.dataset.k); describe(seat); el.setAttribute("role", "button"); }
});
svg.addEventListener("pointerover", (event) => {
  const el = event.target.closest("circle.seat");
  if (el) describe(seats.get(el.dataset.k));
});

function nearestInRow(row, x) {
  let best = null;
  for (const key of row.keys) {
    const seat = seats.get(key);
    const d = Math.abs(seat.el.cx.baseVal.value - x);
    if (!best || d < best.d) best = { seat, d };
  }
  return best.seat;
}

svg.addEventListener("keydown", (event) => {
  const seat = focused;
  const row = seat.row;
  let next = null;
  if (event.key === "ArrowRight") next = seats.get(row.keys[seat.pos + 1]) ?? seats.get(rows[row.index + 1]?.keys[0]);
  else if (event.key === "ArrowLeft") next = seats.get(row.keys[seat.pos - 1]) ?? seats.get(rows[row.index - 1]?.keys.at(-1));
  else if (event.key === "ArrowDown" && rows[row.index + 1]) next = nearestInRow(rows[row.index + 1], seat.el.cx.baseVal.value);
  else if (event.key === "ArrowUp" && rows[row.index - 1]) next = nearestInRow(rows[row.index - 1], seat.el.cx.baseVal.value);
  else if (event.key === "Enter" || event.key === " ") { event.preventDefault(); toggle(seat); return; }
  else return;
  event.preventDefault();
  focusSeat(next);
});

// --- zoom and pan ---------------------------------------------------------------------------------------
const [x0, y0, w0, h0] = svg.getAttribute("viewBox").split(" ").map(Number);
let view = { x: x0, y: y0, w: w0, h: h0 };
function setView(next) {
  // Zoom stays between 40x in and 1.5x out; a clamped zoom keeps the requested centre.
  const w = Math.min(Math.max(next.w, w0 / 40), w0 * 1.5);
  const h = next.h * (w / next.w);
  const cx = next.x + next.w / 2, cy = next.y + next.h / 2;
  view = { x: cx - w / 2, y: cy - h / 2, w, h };
  svg.setAttribute("viewBox", `${view.x} ${view.y} ${view.w} ${view.h}`);
}
function zoomAt(factor, cx, cy) {
  const w = view.w * factor, h = view.h * factor;
  setView({ x: cx - (cx - view.x) * factor, y: cy - (cy - view.y) * factor, w, h });
}
function toMap(clientX, clientY) {
  const box = svg.getBoundingClientRect();
  const scale = Math.max(view.w / box.width, view.h / box.height);
  const offsetX = (box.width - view.w / scale) / 2, offsetY = (box.height - view.h / scale) / 2;
  return [view.x + (clientX - box.left - offsetX) * scale, view.y + (clientY - box.top - offsetY) * scale];
}
function keepInView(seat) {
  const x = seat.el.cx.baseVal.value, y = seat.el.cy.baseVal.value;
  if (x < view.x || x > view.x + view.w || y < view.y || y > view.y + view.h) {
    setView({ x: x - view.w / 2, y: y - view.h / 2, w: view.w, h: view.h });
  }
}
svg.addEventListener("wheel", (event) => {
  event.preventDefault();
  const [cx, cy] = toMap(event.clientX, event.clientY);
  zoomAt(event.deltaY > 0 ? 1.15 : 1 / 1.15, cx, cy);
}, { passive: false });
picker.querySelector(".map-tools").addEventListener("click", (event) => {
  const action = event.target.dataset.zoom;
  if (!action) return;
  if (action === "reset") setView({ x: x0, y: y0, w: w0, h: h0 });
  else zoomAt(action === "in" ? 1 / 1.4 : 1.4, view.x + view.w / 2, view.y + view.h / 2);
});

const pointers = new Map();
let dragged = false;
let pinchStart = null;
svg.addEventListener("pointerdown", (event) => {
  pointers.set(event.pointerId, { x: event.clientX, y: event.clientY });
  dragged = false;
  if (pointers.size === 2) {
    const [a, b] = [...pointers.values()];
    pinchStart = { distance: Math.hypot(a.x - b.x, a.y - b.y), view: { ...view } };
  }
});
svg.addEventListener("pointermove", (event) => {
  const last = pointers.get(event.pointerId);
  if (!last) return;
  const current = { x: event.clientX, y: event.clientY };
  pointers.set(event.pointerId, current);
  if (pointers.size === 2 && pinchStart) {
    const [a, b] = [...pointers.values()];
    const factor = pinchStart.distance / Math.max(Math.hypot(a.x - b.x, a.y - b.y), 1);
    const [cx, cy] = toMap((a.x + b.x) / 2, (a.y + b.y) / 2);
    view = { ...pinchStart.view };
    zoomAt(factor, cx, cy);
    dragged = true;
    return;
  }
  const box = svg.getBoundingClientRect();
  const scale = Math.max(view.w / box.width, view.h / box.height);
  const dx = (current.x - last.x) * scale, dy = (current.y - last.y) * scale;
  if (Math.abs(current.x - last.x) + Math.abs(current.y - last.y) > 2) dragged = true;
  if (dragged) {
    svg.setPointerCapture(event.pointerId);
    setView({ x: view.x - dx, y: view.y - dy, w: view.w, h: view.h });
  }
});
for (const type of ["pointerup", "pointercancel"]) {
  svg.addEventListener(type, (event) => {
    pointers.delete(event.pointerId);
    if (pointers.size < 2) pinchStart = null;
    setTimeout(() => { dragged = false; }, 0);
  });
}

// --- the hold countdown (ticked by basket.js) ------------------------------------------------------------
document.addEventListener("countdown-expired", () => {
  for (const [key, seat] of seats) if (visibleStatus(seat) === "mine") setState(key, "available", null, null);
});
