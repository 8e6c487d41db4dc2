// The venue designer: draw sections, rows and standing areas on an SVG canvas, number them, give seats their
// category and flags, and save each result as a new version of the layout (validated on the server).
import { gridRows, rowLabel, seatNumbers } from "./geometry.js";

const root = document.getElementById("designer");
const svg = document.getElementById("design");
const panel = document.getElementById("panel");
const problemsBox = document.getElementById("problems");
const saveState = root.querySelector(".save-state");
const csrf = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["x-csrftoken"];
const FLAGS = [["wheelchair", "Wheelchair"], ["companion", "Companion"], ["restricted_view", "Restricted view"]];
const GRID = 10;

// --- state: the document's parts, sections as the editor knows them (grid = still parametric, free = as loaded)
let state = fromDocument(JSON.parse(document.getElementById("design-document").textContent));
let version = Number(root.dataset.version);
let selection = new Set(); // seat ids "section:row:seat"
let selectedArea = null; // index into state.areas
let selectedSection = null; // index of a section whose settings the panel shows
let tool = "select";
let dirty = false;
const undoStack = [];
const redoStack = [];
let built = []; // per section: [{label, seats: [{id, key, number, x, y, category, flags}]}]

function fromDocument(doc) {
  return {
    name: doc.name, width: doc.width, height: doc.height,
    categories: doc.categories.map((c) => ({ ...c })),
    stage: doc.stage ? { ...doc.stage } : null,
    shapes: doc.shapes || [], texts: (doc.texts || []).map((t) => ({ ...t })),
    areas: (doc.ga_areas || []).map((a) => ({ ...a, polygon: a.polygon.map((p) => [...p]) })),
    sections: doc.sections.map((s) => ({
      kind: "free", key: s.key, name: s.name,
      rows: s.rows.map((r) => ({ label: r.label, seats: r.seats.map((seat) => ({ ...seat, flags: [...(seat.flags || [])] })) })),
    })),
  };
}

function sectionRows(section) {
  if (section.kind === "grid") return gridRows(section);
  return section.rows.map((row, r) => ({ label: row.label, seats: row.seats.map((seat, i) => ({ ...seat, id: `${r}:${i}` })) }));
}

export function toDocument() {
  return {
    format: "usher.seatmap/1", name: state.name, width: state.width, height: state.height,
    categories: state.categories,
    sections: state.sections.map((section, s) => ({
      key: section.key, name: section.name,
      rows: built[s].map((row) => ({
        label: row.label,
        seats: row.seats.map(({ key, number, x, y, category, flags }) => ({ key, number, x, y, category, flags })),
      })),
    })),
    ga_areas: state.areas.map(({ key, name, polygon, capacity, category }) => ({ key, name, polygon, capacity, category })),
    stage: state.stage, shapes: state.shapes, texts: state.texts,
  };
}

// --- history ---------------------------------------------------------------------------------------------
function snapshot() { return JSON.stringify(state); }
function change(mutate) {
  undoStack.push(snapshot());
  if (undoStack.length > 100) undoStack.shift();
  redoStack.length = 0;
  mutate();
  markDirty();
  render();
}
function undo() { if (undoStack.length) { redoStack.push(snapshot()); state = JSON.parse(undoStack.pop()); markDirty(); clearSelection(); } }
function redo() { if (redoStack.length) { undoStack.push(snapshot()); state = JSON.parse(redoStack.pop()); markDirty(); clearSelection(); } }
function markDirty() { dirty = true; saveState.textContent = "unsaved changes"; }
window.addEventListener("beforeunload", (event) => { if (dirty) event.preventDefault(); });

// --- view (zoom and pan through the viewBox) --------------------------------------------------------------
let view = { x: 0, y: 0, w: state.width, h: state.height };
function setView(next) { view = next; svg.setAttribute("viewBox", `${view.x} ${view.y} ${view.w} ${view.h}`); }
function fit() { setView({ x: -20, y: -20, w: state.width + 40, h: state.height + 40 }); }
function zoomAt(factor, cx, cy) {
  setView({ x: cx - (cx - view.x) * factor, y: cy - (cy - view.y) * factor, w: view.w * factor, h: view.h * factor });
}
function toMap(event) {
  const point = new DOMPoint(event.clientX, event.clientY).matrixTransform(svg.getScreenCTM().inverse());
  return [point.x, point.y];
}
const snapped = (v) => (document.getElementById("snap").checked ? Math.round(v / GRID) * GRID : Math.round(v * 10) / 10);

// --- drawing ----------------------------------------------------------------------------------------------
const esc = (text) => String(text).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
const colorOf = () => Object.fromEntries(state.categories.map((c) => [c.key, c.color]));

function render() {
  built = state.sections.map(sectionRows);
  const colors = colorOf();
  const parts = [`<g class="backdrop"><rect x="0" y="0" width="${state.width}" height="${state.height}" fill="#fafafa" stroke="#e5e7eb"/>`];
  if (state.stage) {
    const st = state.stage;
    parts.push(`<rect class="stage" x="${st.x}" y="${st.y}" width="${st.width}" height="${st.height}" rx="8"/>`,
      `<text class="stage-label" x="${st.x + st.width / 2}" y="${st.y + st.height / 2}">${esc(st.label)}</text>`);
  }
  for (const text of state.texts) parts.push(`<text class="map-text" x="${text.x}" y="${text.y}" font-size="${text.size}">${esc(text.text)}</text>`);
  state.areas.forEach((area, a) => {
    parts.push(`<polygon class="ga${a === selectedArea ? " selected" : ""}" data-area="${a}" style="--seat:${colors[area.category] || "#999"}" points="${area.polygon.map((p) => p.join(",")).join(" ")}"/>`);
    const [cx, cy] = centroid(area.polygon);
    parts.push(`<text class="section-label" x="${cx}" y="${cy}" text-anchor="middle" pointer-events="none">${esc(area.name)} (${area.capacity})</text>`);
  });
  parts.push("</g><g class=\"seats\">");
  built.forEach((rows, s) => {
    const section = state.sections[s];
    for (const row of rows) {
      for (const seat of row.seats) {
        const id = `${s}:${seat.id}`;
        const classes = `seat${selection.has(id) ? " selected" : ""}${seat.flags.includes("wheelchair") ? " flag-wheelchair" : ""}`;
        parts.push(`<circle class="${classes}" data-id="${id}" data-key="${esc(seat.key)}" cx="${seat.x}" cy="${seat.y}" r="7" style="--seat:${colors[seat.category] || "#999"}"><title>${esc(section.name)} ${esc(row.label)}-${esc(seat.number)}</title></circle>`);
      }
    }
    const first = rows[0]?.seats[0];
    if (first) parts.push(`<text class="section-label" data-section="${s}" x="${first.x}" y="${first.y - 16}">${esc(section.name)}</text>`);
  });
  parts.push("</g><g class=\"overlay\">");
  if (selectedSection !== null && state.sections[selectedSection]?.kind === "grid") {
    const section = state.sections[selectedSection];
    const [hx, hy] = curveHandle(section);
    parts.push(`<rect class="handle" data-handle="move" x="${section.x - 7}" y="${section.y - 30}" width="14" height="14"><title>Drag to move</title></rect>`,
      `<circle class="handle" data-handle="curve" cx="${hx}" cy="${hy}" r="8"><title>Drag to curve</title></circle>`);
  }
  parts.push("</g>");
  svg.innerHTML = parts.join("");
  circles = new Map([...svg.querySelectorAll("circle.seat")].map((el) => [el.dataset.id, el]));
  shown = new Set(selection);
  renderPanel();
}

// Selection changes touch only the circles whose state changed, not the whole drawing (10,000 seats).
let circles = new Map();
let shown = new Set();
function showSelection() {
  for (const id of shown) if (!selection.has(id)) circles.get(id)?.classList.remove("selected");
  for (const id of selection) if (!shown.has(id)) circles.get(id)?.classList.add("selected");
  shown = new Set(selection);
  svg.querySelector(".overlay").innerHTML = "";
  renderPanel();
}

// After seats changed category or flags: rebuild the seat list, repaint just those circles.
function repaintSeats(ids) {
  built = state.sections.map(sectionRows);
  const colors = colorOf();
  for (const id of ids) {
    const [s, r, i] = id.split(":");
    const seat = findSeat(Number(s), `${r}:${i}`);
    const el = circles.get(id);
    if (!seat || !el) continue;
    el.style.setProperty("--seat", colors[seat.category] || "#999");
    el.classList.toggle("flag-wheelchair", seat.flags.includes("wheelchair"));
  }
  renderPanel();
}

function centroid(points) {
  return [points.reduce((t, p) => t + p[0], 0) / points.length, points.reduce((t, p) => t + p[1], 0) / points.length];
}

function curveHandle(section) {
  const rows = section.rowCounts.length;
  const angle = (section.rotation * Math.PI) / 180;
  const ly = rows * section.rowSpacing + 20;
  return [section.x - ly * Math.sin(angle), section.y + ly * Math.cos(angle)];
}

// --- the panel --------------------------------------------------------------------------------------------
function categoryOptions(current) {
  return state.categories.map((c) => `<option value="${esc(c.key)}"${c.key === current ? " selected" : ""}>${esc(c.name)}</option>`).join("");
}

function totals() {
  const counts = Object.fromEntries(state.categories.map((c) => [c.key, 0]));
  let seats = 0;
  for (const rows of built) for (const row of rows) for (const seat of row.seats) { counts[seat.category] = (counts[seat.category] || 0) + 1; seats += 1; }
  let standing = 0;
  for (const area of state.areas) { counts[area.category] = (counts[area.category] || 0) + area.capacity; standing += area.capacity; }
  const rows = state.categories.map((c) => `<tr><td><span style="color:${esc(c.color)}">●</span> ${esc(c.name)}</td><td class="num">${(counts[c.key] || 0).toLocaleString("en")}</td></tr>`).join("");
  return `<table class="totals" data-testid="totals">${rows}<tr><td><strong>Capacity</strong></td><td class="num"><strong data-testid="capacity">${(seats + standing).toLocaleString("en")}</strong></td></tr></table>
    <p class="muted">${seats.toLocaleString("en")} seats, ${standing.toLocaleString("en")} standing</p>`;
}

function field(label, name, value, type = "text", extra = "") {
  const id = `p-${name}`;
  return `<div class="field"><label for="${id}">${label}</label><input id="${id}" name="${name}" type="${type}" value="${esc(value)}" ${extra}></div>`;
}

function select(label, name, options, value) {
  const id = `p-${name}`;
  return `<div class="field"><label for="${id}">${label}</label><select id="${id}" name="${name}">${options.map(([v, t]) => `<option value="${esc(v)}"${String(v) === String(value) ? " selected" : ""}>${esc(t)}</option>`).join("")}</select></div>`;
}

function renderPanel() {
  let html = "";
  if (selectedArea !== null && state.areas[selectedArea]) {
    const area = state.areas[selectedArea];
    html = `<h2>Standing area</h2><form data-form="area">${field("Area name", "name", area.name)}${field("Key", "key", area.key)}
      ${field("Capacity", "capacity", area.capacity, "number", 'min="1"')}
      <div class="field"><label for="p-category">Category</label><select id="p-category" name="category">${categoryOptions(area.category)}</select></div></form>
      <button type="button" class="danger" data-action="delete">Delete area</button>`;
  } else if (selectedSection !== null && state.sections[selectedSection]) {
    const section = state.sections[selectedSection];
    html = `<h2>Section</h2><form data-form="section">${field("Section name", "name", section.name)}${field("Key", "key", section.key)}`;
    if (section.kind === "grid") {
      html += `<div class="row">${field("Rows", "rows", section.rowCounts.length, "number", 'min="1" max="200"')}
        ${field("Seats per row", "seats", Math.max(...section.rowCounts), "number", 'min="1" max="300"')}</div>
        <div class="row">${field("Seat spacing", "seatSpacing", section.seatSpacing, "number", 'min="8" max="100"')}
        ${field("Row spacing", "rowSpacing", section.rowSpacing, "number", 'min="8" max="100"')}</div>
        <div class="row">${field("Curve", "curve", section.curve, "number", 'min="-100" max="100"')}
        ${field("Rotation (degrees)", "rotation", section.rotation, "number", 'min="-180" max="180"')}</div>
        ${select("Row labels", "rowScheme", [["letters", "A, B, C…"], ["numbers", "1, 2, 3…"]], section.rowScheme)}
        <label class="inline-check"><input type="checkbox" name="skipIO"${section.skipIO ? " checked" : ""}> Skip I and O</label>
        ${field("First row", "rowStart", section.rowStart, "number", 'min="1"')}
        ${select("Seat numbers", "direction", [["ltr", "Left to right"], ["rtl", "Right to left"], ["oddeven", "Odd left, even right"]], section.direction)}
        ${field("First seat number", "seatStart", section.seatStart, "number", 'min="0"')}
        <div class="field"><label for="p-category">Category of the section</label><select id="p-category" name="category">${categoryOptions(section.category)}</select></div>
        <p class="muted">Row lengths: ${section.rowCounts.map((n, r) => `<label class="inline-check">${esc(rowLabel(r, section.rowScheme, section.skipIO, section.rowStart))} <input type="number" name="row-${r}" value="${n}" min="1" max="300" style="width:4.5em" aria-label="Seats in row ${r + 1}"></label>`).join(" ")}</p>`;
    } else {
      html += field("Rotation (degrees, applied once)", "turn", 0, "number", 'min="-180" max="180"');
    }
    html += `</form><button type="button" class="secondary" data-action="select-section">Select its seats</button> <button type="button" class="danger" data-action="delete">Delete section</button>`;
  } else if (selection.size) {
    const seats = selectedSeats();
    const categories = new Set(seats.map((s) => s.category));
    html = `<h2>${selection.size} seat${selection.size === 1 ? "" : "s"} selected</h2>
      <div class="field"><label for="p-set-category">Category</label><select id="p-set-category" data-action="set-category"><option value="">${categories.size === 1 ? "" : "(mixed)"}</option>${categoryOptions(categories.size === 1 ? [...categories][0] : "")}</select></div>
      <div class="tool-group">${FLAGS.map(([flag, name]) => `<button type="button" class="secondary" data-flag="${flag}" aria-pressed="${seats.every((s) => s.flags.includes(flag))}">${name}</button>`).join("")}</div>
      <p><button type="button" class="secondary" data-action="select-rows">Whole rows</button> <button type="button" class="secondary" data-action="select-sections">Whole sections</button></p>
      <form data-form="renumber" class="row">${select("Renumber", "direction", [["ltr", "Left to right"], ["rtl", "Right to left"]], "ltr")}${field("from", "start", 1, "number", 'min="0" style="width:5em"')}<button type="submit" class="secondary">Renumber</button></form>
      <button type="button" class="danger" data-action="delete">Delete seats</button>`;
  } else {
    html = `<h2>Layout</h2><form data-form="layout">${field("Layout name", "name", state.name)}
      <div class="row">${field("Width", "width", state.width, "number", 'min="100" max="100000"')}${field("Height", "height", state.height, "number", 'min="100" max="100000"')}</div>
      <label class="inline-check"><input type="checkbox" name="stage"${state.stage ? " checked" : ""}> Stage</label></form>
      <h3>Categories</h3><form data-form="categories">${state.categories.map((c, i) => `<div class="row"><input aria-label="Category ${i + 1} name" name="name-${i}" value="${esc(c.name)}" style="flex:1"><input aria-label="Category ${i + 1} colour" type="color" name="color-${i}" value="${esc(c.color)}">${state.categories.length > 1 ? `<button type="button" class="link danger" data-remove-category="${i}" aria-label="Remove ${esc(c.name)}">×</button>` : ""}</div>`).join("")}</form>
      <button type="button" class="secondary" data-action="add-category">Add category</button>
      <p class="muted">Draw with the Section tool (drag a block of rows), the Standing area tool, or click to add text. Shift-click and drag to select; Delete removes; arrows nudge.</p>`;
  }
  panel.innerHTML = html + `<h3>Totals</h3>${totals()}`;
}

function selectedSeats() {
  const result = [];
  for (const id of selection) {
    const [s, r, i] = id.split(":").map(Number);
    const seat = findSeat(s, `${r}:${i}`);
    if (seat) result.push({ ...seat, s, r, i });
  }
  return result;
}
function findSeat(s, seatId) {
  for (const row of built[s] || []) for (const seat of row.seats) if (seat.id === seatId) return seat;
  return null;
}

// Apply a change to every selected seat (grid sections keep per-seat overrides, free sections change the seat),
// then repaint only those seats.
function editSeats(edit) {
  undoStack.push(snapshot());
  redoStack.length = 0;
  markDirty();
  for (const id of selection) {
    const [s, r, i] = id.split(":").map(Number);
    const section = state.sections[s];
    if (!section) continue;
    if (section.kind === "grid") {
      const key = `${r}:${i}`;
      const current = findSeat(s, key);
      const over = (section.overrides[key] ||= {});
      edit(over, current || { category: section.category, flags: [] });
    } else {
      const seat = section.rows[r]?.seats[i];
      if (seat) edit(seat, seat);
    }
  }
  repaintSeats(selection);
}

function deleteSelection() {
  if (selectedArea !== null) { change(() => { state.areas.splice(selectedArea, 1); selectedArea = null; }); return; }
  if (selectedSection !== null && !selection.size) { change(() => { state.sections.splice(selectedSection, 1); selectedSection = null; }); return; }
  if (!selection.size) return;
  change(() => {
    const bySection = new Map();
    for (const id of selection) {
      const [s, r, i] = id.split(":").map(Number);
      if (!bySection.has(s)) bySection.set(s, []);
      bySection.get(s).push([r, i]);
    }
    for (const [s, spots] of bySection) {
      const section = state.sections[s];
      if (section.kind === "grid") for (const [r, i] of spots) (section.overrides[`${r}:${i}`] ||= {}).deleted = true;
      else {
        const gone = new Set(spots.map(([r, i]) => `${r}:${i}`));
        section.rows = section.rows.map((row, r) => ({ ...row, seats: row.seats.filter((_, i) => !gone.has(`${r}:${i}`)) })).filter((row) => row.seats.length);
      }
    }
    state.sections = state.sections.filter((section) => section.kind === "grid" ? section.rowCounts.some((n, r) => [...Array(n).keys()].some((i) => !section.overrides[`${r}:${i}`]?.deleted)) : section.rows.length);
    selection.clear();
  });
}

function renumber(direction, start) {
  // Free sections renumber the selected seats of each row in place; grid sections switch their numbering.
  change(() => {
    const rows = new Map();
    for (const seat of selectedSeats()) {
      const section = state.sections[seat.s];
      if (section.kind === "grid") { section.direction = direction; section.seatStart = start; continue; }
      const key = `${seat.s}:${seat.r}`;
      if (!rows.has(key)) rows.set(key, []);
      rows.get(key).push(seat);
    }
    for (const [key, seats] of rows) {
      const [s, r] = key.split(":").map(Number);
      const section = state.sections[s];
      const ordered = seats.sort((a, b) => a.x - b.x);
      const numbers = seatNumbers(ordered.length, direction, start);
      ordered.forEach((seat, n) => {
        const target = section.rows[r].seats[seat.i];
        target.number = numbers[n];
        target.key = `${section.key}-${section.rows[r].label}-${numbers[n]}`;
      });
    }
  });
}

// --- panel events -----------------------------------------------------------------------------------------
panel.addEventListener("change", (event) => {
  const form = event.target.closest("form[data-form]");
  if (event.target.dataset.action === "set-category" && event.target.value) {
    const category = event.target.value;
    editSeats((target) => { target.category = category; });
    return;
  }
  if (!form) return;
  const kind = form.dataset.form;
  const input = event.target;
  const value = input.type === "checkbox" ? input.checked : input.value;
  if (kind === "layout") {
    change(() => {
      if (input.name === "name") state.name = value;
      if (input.name === "width" || input.name === "height") state[input.name] = Math.max(100, Number(value) || 100);
      if (input.name === "stage") state.stage = value ? { x: state.width / 2 - 200, y: 30, width: 400, height: 80, label: "STAGE" } : null;
    });
  } else if (kind === "categories") {
    const [prop, index] = input.name.split("-");
    change(() => { state.categories[Number(index)][prop] = value; });
  } else if (kind === "area") {
    change(() => {
      const area = state.areas[selectedArea];
      area[input.name] = input.name === "capacity" ? Math.max(0, Math.round(Number(value) || 0)) : value;
    });
  } else if (kind === "section") {
    change(() => updateSection(state.sections[selectedSection], input.name, value));
  }
});

function updateSection(section, name, value) {
  const number = Number(value);
  if (name === "name" || name === "key") section[name] = value;
  else if (name === "category") section.category = value;
  else if (name === "rows") {
    const rows = Math.max(1, Math.min(200, Math.round(number) || 1));
    const width = section.rowCounts.at(-1) || 10;
    section.rowCounts = Array.from({ length: rows }, (_, r) => section.rowCounts[r] ?? width);
  } else if (name === "seats") section.rowCounts = section.rowCounts.map(() => Math.max(1, Math.min(300, Math.round(number) || 1)));
  else if (name.startsWith("row-")) section.rowCounts[Number(name.slice(4))] = Math.max(1, Math.min(300, Math.round(number) || 1));
  else if (name === "skipIO") section.skipIO = value;
  else if (name === "rowScheme" || name === "direction") section[name] = value;
  else if (name === "turn" && section.kind === "free") rotateFree(section, number);
  else if (Number.isFinite(number)) section[name] = number;
}

function rotateFree(section, degrees) {
  const seats = section.rows.flatMap((row) => row.seats);
  const [cx, cy] = centroid(seats.map((seat) => [seat.x, seat.y]));
  const angle = (degrees * Math.PI) / 180;
  for (const seat of seats) {
    const dx = seat.x - cx;
    const dy = seat.y - cy;
    seat.x = Math.round((cx + dx * Math.cos(angle) - dy * Math.sin(angle)) * 10) / 10;
    seat.y = Math.round((cy + dx * Math.sin(angle) + dy * Math.cos(angle)) * 10) / 10;
  }
}

panel.addEventListener("submit", (event) => {
  event.preventDefault();
  const form = event.target;
  if (form.dataset.form === "renumber") renumber(form.elements.direction.value, Number(form.elements.start.value) || 1);
});

panel.addEventListener("click", (event) => {
  const button = event.target.closest("button");
  if (!button) return;
  if (button.dataset.flag) {
    const flag = button.dataset.flag;
    const on = button.getAttribute("aria-pressed") !== "true";
    editSeats((target, current) => {
      const flags = new Set(target.flags || current.flags || []);
      if (on) flags.add(flag); else flags.delete(flag);
      target.flags = [...flags];
    });
  } else if (button.dataset.removeCategory) {
    const index = Number(button.dataset.removeCategory);
    change(() => state.categories.splice(index, 1));
  } else if (button.dataset.action) {
    runAction(button.dataset.action);
  }
});

// --- canvas interaction -------------------------------------------------------------------------------------
let gesture = null;

function clearSelection() { selection = new Set(); selectedArea = null; selectedSection = null; render(); }

function seatsIn(x0, y0, x1, y1) {
  const [ax, bx] = [Math.min(x0, x1), Math.max(x0, x1)];
  const [ay, by] = [Math.min(y0, y1), Math.max(y0, y1)];
  const ids = [];
  built.forEach((rows, s) => rows.forEach((row) => row.seats.forEach((seat) => {
    if (seat.x >= ax && seat.x <= bx && seat.y >= ay && seat.y <= by) ids.push(`${s}:${seat.id}`);
  })));
  return ids;
}

function uniqueKey(prefix, taken) {
  let n = 1;
  while (taken.has(`${prefix}${n}`)) n += 1;
  return `${prefix}${n}`;
}

svg.addEventListener("pointerdown", (event) => {
  const [x, y] = toMap(event);
  const panning = tool === "pan" || event.button === 1 || spaceDown;
  if (panning) { gesture = { kind: "pan", start: [event.clientX, event.clientY], view: { ...view } }; svg.setPointerCapture(event.pointerId); return; }
  const handle = event.target.dataset.handle;
  if (handle && selectedSection !== null) {
    const section = state.sections[selectedSection];
    undoStack.push(snapshot());
    gesture = { kind: handle, start: [x, y], origin: { x: section.x, y: section.y, curve: section.curve } };
    svg.setPointerCapture(event.pointerId);
    return;
  }
  if (tool === "section" || tool === "area") {
    gesture = { kind: "draw", start: [snapped(x), snapped(y)], now: [snapped(x), snapped(y)] };
    svg.setPointerCapture(event.pointerId);
    return;
  }
  if (tool === "text") {
    change(() => state.texts.push({ text: "Label", x: snapped(x), y: snapped(y), size: 16 }));
    return;
  }
  const seatEl = event.target.closest("circle.seat");
  const areaEl = event.target.closest("polygon.ga");
  const labelEl = event.target.closest("text[data-section]");
  if (seatEl) {
    const id = seatEl.dataset.id;
    selectedArea = null;
    selectedSection = null;
    const hadPanelTarget = selectedSection !== null || selectedArea !== null;
    if (event.shiftKey || event.ctrlKey || event.metaKey) { if (selection.has(id)) selection.delete(id); else selection.add(id); }
    else selection = new Set([id]);
    if (hadPanelTarget) render(); else showSelection();
  } else if (areaEl) {
    selection = new Set(); selectedSection = null; selectedArea = Number(areaEl.dataset.area); render();
  } else if (labelEl) {
    selection = new Set(); selectedArea = null; selectedSection = Number(labelEl.dataset.section); render();
  } else {
    gesture = { kind: "band", start: [x, y], now: [x, y], add: event.shiftKey };
    svg.setPointerCapture(event.pointerId);
  }
});

svg.addEventListener("pointermove", (event) => {
  if (!gesture) return;
  if (gesture.kind === "pan") {
    const scale = view.w / svg.clientWidth;
    setView({ ...gesture.view, x: gesture.view.x - (event.clientX - gesture.start[0]) * scale, y: gesture.view.y - (event.clientY - gesture.start[1]) * scale });
    return;
  }
  const [x, y] = toMap(event);
  if (gesture.kind === "move" || gesture.kind === "curve") {
    const section = state.sections[selectedSection];
    if (gesture.kind === "move") { section.x = snapped(gesture.origin.x + x - gesture.start[0]); section.y = snapped(gesture.origin.y + y - gesture.start[1]); }
    else section.curve = Math.max(-100, Math.min(100, Math.round(gesture.origin.curve + (y - gesture.start[1]))));
    markDirty();
    render();
    return;
  }
  gesture.now = gesture.kind === "draw" ? [snapped(x), snapped(y)] : [x, y];
  let band = svg.querySelector(".rubber");
  if (!band) { band = document.createElementNS("http://www.w3.org/2000/svg", "rect"); band.setAttribute("class", "rubber"); svg.appendChild(band); }
  const [x0, y0] = gesture.start;
  const [x1, y1] = gesture.now;
  band.setAttribute("x", Math.min(x0, x1)); band.setAttribute("y", Math.min(y0, y1));
  band.setAttribute("width", Math.abs(x1 - x0)); band.setAttribute("height", Math.abs(y1 - y0));
});

svg.addEventListener("pointerup", () => {
  if (!gesture) return;
  const done = gesture;
  gesture = null;
  if (done.kind === "pan" || done.kind === "move" || done.kind === "curve") { render(); return; }
  const [x0, y0] = done.start;
  const [x1, y1] = done.now;
  if (done.kind === "band") {
    const ids = seatsIn(x0, y0, x1, y1);
    const hadPanelTarget = selectedSection !== null || selectedArea !== null;
    selection = done.add ? new Set([...selection, ...ids]) : new Set(ids);
    selectedArea = null;
    selectedSection = null;
    if (hadPanelTarget) render(); else showSelection();
    return;
  }
  const width = Math.abs(x1 - x0);
  const height = Math.abs(y1 - y0);
  if (width < 10 && height < 10) { render(); return; }
  if (tool === "area") {
    change(() => {
      const taken = new Set([...state.areas.map((a) => a.key), ...state.sections.map((s) => s.key)]);
      const key = uniqueKey("GA", taken);
      const [ax, bx] = [Math.min(x0, x1), Math.max(x0, x1)];
      const [ay, by] = [Math.min(y0, y1), Math.max(y0, y1)];
      state.areas.push({ key, name: `Standing ${key.slice(2)}`, polygon: [[ax, ay], [bx, ay], [bx, by], [ax, by]], capacity: 100, category: state.categories[0].key });
      selection = new Set(); selectedSection = null; selectedArea = state.areas.length - 1;
    });
  } else {
    change(() => {
      const seatSpacing = 20;
      const rowSpacing = 24;
      const seats = Math.max(1, Math.round(width / seatSpacing));
      const rows = Math.max(1, Math.round(height / rowSpacing));
      const taken = new Set([...state.areas.map((a) => a.key), ...state.sections.map((s) => s.key)]);
      const key = uniqueKey("S", taken);
      state.sections.push({
        kind: "grid", key, name: `Section ${key.slice(1)}`,
        x: snapped((x0 + x1) / 2), y: snapped(Math.min(y0, y1) + rowSpacing / 2),
        rotation: 0, curve: 0, seatSpacing, rowSpacing, rowCounts: Array(rows).fill(seats),
        category: state.categories[0].key, rowScheme: "letters", skipIO: true, rowStart: 1,
        direction: "ltr", seatStart: 1, overrides: {},
      });
      selection = new Set(); selectedArea = null; selectedSection = state.sections.length - 1;
    });
  }
});

svg.addEventListener("dblclick", (event) => {
  const seatEl = event.target.closest("circle.seat");
  if (!seatEl) return;
  selection = new Set([seatEl.dataset.id]);
  runAction("select-rows");
});

svg.addEventListener("wheel", (event) => {
  event.preventDefault();
  const [cx, cy] = toMap(event);
  zoomAt(event.deltaY > 0 ? 1.15 : 1 / 1.15, cx, cy);
}, { passive: false });

// --- actions and keys ---------------------------------------------------------------------------------------
function runAction(action) {
  if (action === "undo") undo();
  else if (action === "redo") redo();
  else if (action === "zoom-in") zoomAt(1 / 1.25, view.x + view.w / 2, view.y + view.h / 2);
  else if (action === "zoom-out") zoomAt(1.25, view.x + view.w / 2, view.y + view.h / 2);
  else if (action === "fit") fit();
  else if (action === "delete") deleteSelection();
  else if (action === "export") download();
  else if (action === "preview") preview();
  else if (action === "save") save(version);
  else if (action === "add-category") {
    change(() => {
      const taken = new Set(state.categories.map((c) => c.key));
      const key = uniqueKey("category", taken);
      state.categories.push({ key, name: `Category ${state.categories.length + 1}`, color: "#059669" });
    });
  } else if (action === "select-rows" || action === "select-sections" || action === "select-section") {
    const picked = new Set();
    const wanted = action === "select-section"
      ? new Set([`${selectedSection}:`])
      : new Set([...selection].map((id) => { const [s, r] = id.split(":"); return action === "select-rows" ? `${s}:${r}:` : `${s}:`; }));
    built.forEach((rows, s) => rows.forEach((row) => row.seats.forEach((seat) => {
      const id = `${s}:${seat.id}`;
      const [, r] = seat.id.split(":");
      if (wanted.has(`${s}:`) || wanted.has(`${s}:${r}:`)) picked.add(id);
    })));
    selection = picked;
    selectedSection = null;
    selectedArea = null;
    render();
  }
}

root.querySelector(".designer-toolbar").addEventListener("click", (event) => {
  const button = event.target.closest("button");
  if (!button) return;
  if (button.dataset.tool) setTool(button.dataset.tool);
  else if (button.dataset.action) runAction(button.dataset.action);
});

function setTool(next) {
  tool = next;
  for (const button of root.querySelectorAll("[data-tool]")) button.setAttribute("aria-pressed", String(button.dataset.tool === tool));
  svg.style.cursor = tool === "pan" ? "grab" : tool === "select" ? "default" : "crosshair";
}

let spaceDown = false;
document.addEventListener("keydown", (event) => {
  if (event.target.closest?.("input, select, textarea")) return;
  const mod = event.ctrlKey || event.metaKey;
  if (mod && event.key.toLowerCase() === "z") { event.preventDefault(); if (event.shiftKey) redo(); else undo(); }
  else if (mod && event.key.toLowerCase() === "y") { event.preventDefault(); redo(); }
  else if (mod && event.key.toLowerCase() === "a") { event.preventDefault(); selectAll(); }
  else if (mod && event.key.toLowerCase() === "s") { event.preventDefault(); save(version); }
  else if (event.key === "Delete" || event.key === "Backspace") { event.preventDefault(); deleteSelection(); }
  else if (event.key === "Escape") clearSelection();
  else if (event.key === " ") { spaceDown = true; event.preventDefault(); }
  else if (event.key.startsWith("Arrow")) { event.preventDefault(); nudge(event.key, event.shiftKey ? 10 : 1); }
  else if (!mod) {
    const tools = { v: "select", s: "section", g: "area", t: "text", h: "pan" };
    if (tools[event.key.toLowerCase()]) setTool(tools[event.key.toLowerCase()]);
  }
});
document.addEventListener("keyup", (event) => { if (event.key === " ") spaceDown = false; });

function nudge(key, step) {
  const [dx, dy] = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] }[key];
  if (selectedSection !== null && state.sections[selectedSection].kind === "grid") {
    change(() => { const s = state.sections[selectedSection]; s.x += dx; s.y += dy; });
  } else if (selectedArea !== null) {
    change(() => { for (const p of state.areas[selectedArea].polygon) { p[0] += dx; p[1] += dy; } });
  } else if (selection.size) {
    // Moving single seats of a grid section turns it into a free one (its seats keep their places).
    change(() => {
      for (const seat of selectedSeats()) {
        const section = freeze(seat.s);
        const target = section.rows.flatMap((row) => row.seats).find((candidate) => candidate.key === seat.key);
        if (target) { target.x += dx; target.y += dy; }
      }
    });
  }
}

function freeze(s) {
  const section = state.sections[s];
  if (section.kind === "free") return section;
  const rows = gridRows(section);
  const free = { kind: "free", key: section.key, name: section.name, rows: rows.map((row) => ({ label: row.label, seats: row.seats.map(({ id, ...seat }) => seat) })) };
  state.sections[s] = free;
  return free;
}

// --- save, preview, import, export ----------------------------------------------------------------------------
async function save(base) {
  const doc = toDocument();
  saveState.textContent = "saving…";
  problemsBox.innerHTML = "";
  const response = await fetch(`/manage/layouts/${root.dataset.layout}/versions`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
    body: JSON.stringify({ base_version: base, document: doc }),
  });
  const body = await response.json().catch(() => ({}));
  if (response.status === 201) {
    version = body.version;
    dirty = false;
    saveState.textContent = `saved as version ${version}`;
    document.querySelector("[data-testid=design-version]").textContent = `version ${version}`;
  } else if (response.status === 409) {
    saveState.textContent = "not saved";
    problemsBox.innerHTML = `<p>${esc(body.detail)}</p><button type="button" data-overwrite="${body.latest_version}">Save mine as version ${body.latest_version + 1}</button> <button type="button" class="secondary" data-download>Download mine</button>`;
  } else if (response.status === 422 && body.problems) {
    saveState.textContent = "not saved";
    showProblems(body.problems);
  } else {
    saveState.textContent = "not saved";
    problemsBox.textContent = body.detail || `The server answered ${response.status}; nothing was lost, try again.`;
  }
}

function showProblems(problems) {
  const items = problems.map((p, n) => `<li><button type="button" class="link" data-problem="${n}">${esc(p.path)}${p.element ? ` (${esc(p.element)})` : ""}</button>: ${esc(p.message)}</li>`).join("");
  problemsBox.innerHTML = `<p><strong>${problems.length} problem${problems.length === 1 ? "" : "s"} to fix before saving:</strong></p><ul>${items}</ul>`;
  problemsBox.problems = problems;
  for (const circle of svg.querySelectorAll("circle.seat")) {
    if (problems.some((p) => p.element === circle.dataset.key)) circle.classList.add("problem");
  }
}

problemsBox.addEventListener("click", (event) => {
  const button = event.target.closest("button");
  if (!button) return;
  if (button.dataset.overwrite !== undefined) save(Number(button.dataset.overwrite));
  else if (button.dataset.download !== undefined) download();
  else if (button.dataset.problem !== undefined) {
    const problem = problemsBox.problems[Number(button.dataset.problem)];
    const match = /^sections\[(\d+)\]\.rows\[(\d+)\]\.seats\[(\d+)\]/.exec(problem.path);
    const area = /^ga_areas\[(\d+)\]/.exec(problem.path);
    const section = /^sections\[(\d+)\]/.exec(problem.path);
    if (match) {
      const seat = built[Number(match[1])][Number(match[2])]?.seats[Number(match[3])];
      if (seat) selection = new Set([`${match[1]}:${seat.id}`]);
      selectedArea = null; selectedSection = null;
    } else if (area) { selection = new Set(); selectedArea = Number(area[1]); selectedSection = null; }
    else if (section) { selection = new Set(); selectedArea = null; selectedSection = Number(section[1]); }
    render();
  }
});

function download() {
  const blob = new Blob([JSON.stringify(toDocument(), null, 1)], { type: "application/json" });
  const link = Object.assign(document.createElement("a"), { href: URL.createObjectURL(blob), download: `${state.name || "layout"}.json` });
  link.click();
  URL.revokeObjectURL(link.href);
}

async function preview() {
  const response = await fetch(`/manage/layouts/${root.dataset.layout}/preview`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
    body: JSON.stringify(toDocument()),
  });
  document.getElementById("preview-body").innerHTML = await response.text();
  document.getElementById("preview-dialog").showModal();
}

document.getElementById("import-file").addEventListener("change", async (event) => {
  const file = event.target.files[0];
  if (!file) return;
  try {
    const doc = JSON.parse(await file.text());
    if (!Array.isArray(doc.sections) || !Array.isArray(doc.categories)) throw new Error("not a seat map");
    change(() => { state = fromDocument(doc); });
    selection = new Set(); selectedArea = null; selectedSection = null;
    fit();
    render();
  } catch (error) {
    problemsBox.textContent = `That file is not a seat map (${error.message}).`;
  }
  event.target.value = "";
});

// Exposed for tests and benchmarks (read-only views plus the same entry points the UI uses).
function selectAll() {
  const hadPanelTarget = selectedSection !== null || selectedArea !== null;
  selection = new Set(seatsIn(-1e9, -1e9, 1e9, 1e9));
  selectedArea = null;
  selectedSection = null;
  if (hadPanelTarget) render(); else showSelection();
}

window.usherDesigner = { toDocument, selectAll, stats: () => ({ seats: built.reduce((t, rows) => t + rows.reduce((u, row) => u + row.seats.length, 0), 0), selected: selection.size }) };

fit();
render();
