// The designer's side panel: settings of the selected section, area or seats, categories and totals.
import { rowLabel, seatNumbers } from "./geometry.js";
import { centroid, change, ed, findSeat, markup, selectedSeats, selectWhole, uniqueKey } from "./store.js";

const panel = document.getElementById("panel");
const FLAGS = [["wheelchair", "Wheelchair"], ["companion", "Companion"], ["restricted_view", "Restricted view"]];
// --- the panel --------------------------------------------------------------------------------------------
// Written with the `markup` tag (store.js): names and labels of a layout are always text here.
function categoryOptions(current) {
  return ed.state.categories.map((c) => markup`<option value="${c.key}"${c.key === current ? " selected" : ""}>${c.name}</option>`);
}

function totals() {
  const counts = Object.fromEntries(ed.state.categories.map((c) => [c.key, 0]));
  let seats = 0;
  for (const rows of ed.built) for (const row of rows) for (const seat of row.seats) { counts[seat.category] = (counts[seat.category] || 0) + 1; seats += 1; }
  let standing = 0;
  for (const area of ed.state.areas) { counts[area.category] = (counts[area.category] || 0) + area.capacity; standing += area.capacity; }
  const rows = ed.state.categories.map((c) => markup`<tr><td><span style="color:${c.color}">●</span> ${c.name}</td><td class="num">${(counts[c.key] || 0).toLocaleString("en")}</td></tr>`);
  return markup`<table class="totals" data-testid="totals">${rows}<tr><td><strong>Capacity</strong></td><td class="num"><strong data-testid="capacity">${(seats + standing).toLocaleString("en")}</strong></td></tr></table>
    <p class="muted">${seats.toLocaleString("en")} seats, ${standing.toLocaleString("en")} standing</p>`;
}

function field(label, name, value, type = "text", extra = markup``) {
  const id = `p-${name}`;
  return markup`<div class="field"><label for="${id}">${label}</label><input id="${id}" name="${name}" type="${type}" value="${value}" ${extra}></div>`;
}

function select(label, name, options, value) {
  const id = `p-${name}`;
  return markup`<div class="field"><label for="${id}">${label}</label><select id="${id}" name="${name}">${options.map(([v, t]) => markup`<option value="${v}"${String(v) === String(value) ? " selected" : ""}>${t}</option>`)}</select></div>`;
}

export function renderPanel() {
  let html = markup``;
  if (ed.selectedShape !== null && ed.state.shapes[ed.selectedShape]) {
    const shape = ed.state.shapes[ed.selectedShape];
    html = markup`<h2>Shape</h2><form data-form="shape">${select("Kind", "kind", [["rect", "Rectangle"], ["ellipse", "Ellipse"]], shape.kind)}
      ${field("Colour", "fill", shape.fill, "color")}${field("Label", "label", shape.label || "")}</form>
      <button type="button" class="danger" data-action="delete">Delete shape</button>`;
  } else if (ed.selectedText !== null && ed.state.texts[ed.selectedText]) {
    const text = ed.state.texts[ed.selectedText];
    html = markup`<h2>Text label</h2><form data-form="text">${field("Text", "text", text.text)}${field("Size", "size", text.size, "number", markup`min="6" max="200"`)}</form>
      <button type="button" class="danger" data-action="delete">Delete label</button>`;
  } else if (ed.selectedArea !== null && ed.state.areas[ed.selectedArea]) {
    const area = ed.state.areas[ed.selectedArea];
    html = markup`<h2>Standing area</h2><form data-form="area">${field("Area name", "name", area.name)}${field("Key", "key", area.key)}
      ${field("Capacity", "capacity", area.capacity, "number", markup`min="1"`)}
      <div class="field"><label for="p-category">Category</label><select id="p-category" name="category">${categoryOptions(area.category)}</select></div></form>
      <button type="button" class="danger" data-action="delete">Delete area</button>`;
  } else if (ed.selectedSection !== null && ed.state.sections[ed.selectedSection]) {
    const section = ed.state.sections[ed.selectedSection];
    let settings;
    if (section.kind === "grid") {
      settings = markup`<div class="row">${field("Rows", "rows", section.rowCounts.length, "number", markup`min="1" max="200"`)}
        ${field("Seats per row", "seats", Math.max(...section.rowCounts), "number", markup`min="1" max="300"`)}</div>
        <div class="row">${field("Seat spacing", "seatSpacing", section.seatSpacing, "number", markup`min="8" max="100"`)}
        ${field("Row spacing", "rowSpacing", section.rowSpacing, "number", markup`min="8" max="100"`)}</div>
        <div class="row">${field("Curve", "curve", section.curve, "number", markup`min="-100" max="100"`)}
        ${field("Rotation (degrees)", "rotation", section.rotation, "number", markup`min="-180" max="180"`)}</div>
        ${select("Row labels", "rowScheme", [["letters", "A, B, C…"], ["numbers", "1, 2, 3…"]], section.rowScheme)}
        <label class="inline-check"><input type="checkbox" name="skipIO"${section.skipIO ? " checked" : ""}> Skip I and O</label>
        ${field("First row", "rowStart", section.rowStart, "number", markup`min="1"`)}
        ${select("Seat numbers", "direction", [["ltr", "Left to right"], ["rtl", "Right to left"], ["oddeven", "Odd left, even right"]], section.direction)}
        ${field("First seat number", "seatStart", section.seatStart, "number", markup`min="0"`)}
        <div class="field"><label for="p-category">Category of the section</label><select id="p-category" name="category">${categoryOptions(section.category)}</select></div>
        <p class="muted">Row lengths: ${section.rowCounts.map((n, r) => markup`<label class="inline-check">${rowLabel(r, section.rowScheme, section.skipIO, section.rowStart)} <input type="number" name="row-${r}" value="${n}" min="1" max="300" style="width:4.5em" aria-label="Seats in row ${r + 1}"></label> `)}</p>`;
    } else {
      settings = field("Rotation (degrees, applied once)", "turn", 0, "number", markup`min="-180" max="180"`);
    }
    html = markup`<h2>Section</h2><form data-form="section">${field("Section name", "name", section.name)}${field("Key", "key", section.key)}${settings}</form><button type="button" class="secondary" data-action="select-section">Select its seats</button> <button type="button" class="danger" data-action="delete">Delete section</button>`;
  } else if (ed.selection.size) {
    const seats = selectedSeats();
    const categories = new Set(seats.map((s) => s.category));
    html = markup`<h2>${ed.selection.size} seat${ed.selection.size === 1 ? "" : "s"} selected</h2>
      <div class="field"><label for="p-set-category">Category</label><select id="p-set-category" data-action="set-category"><option value="">${categories.size === 1 ? "" : "(mixed)"}</option>${categoryOptions(categories.size === 1 ? [...categories][0] : "")}</select></div>
      <div class="tool-group">${FLAGS.map(([flag, name]) => markup`<button type="button" class="secondary" data-flag="${flag}" aria-pressed="${seats.every((s) => s.flags.includes(flag))}">${name}</button>`)}</div>
      <p><button type="button" class="secondary" data-action="select-rows">Whole rows</button> <button type="button" class="secondary" data-action="select-sections">Whole sections</button></p>
      <form data-form="renumber" class="row">${select("Renumber", "direction", [["ltr", "Left to right"], ["rtl", "Right to left"]], "ltr")}${field("from", "start", 1, "number", markup`min="0" style="width:5em"`)}<button type="submit" class="secondary">Renumber</button></form>
      <button type="button" class="danger" data-action="delete">Delete seats</button>`;
  } else {
    html = markup`<h2>Layout</h2><form data-form="layout">${field("Layout name", "name", ed.state.name)}
      <div class="row">${field("Width", "width", ed.state.width, "number", markup`min="100" max="100000"`)}${field("Height", "height", ed.state.height, "number", markup`min="100" max="100000"`)}</div>
      <label class="inline-check"><input type="checkbox" name="stage"${ed.state.stage ? " checked" : ""}> Stage</label></form>
      <h3>Categories</h3><form data-form="categories">${ed.state.categories.map((c, i) => markup`<div class="row"><input aria-label="Category ${i + 1} name" name="name-${i}" value="${c.name}" style="flex:1"><input aria-label="Category ${i + 1} colour" type="color" name="color-${i}" value="${c.color}">${ed.state.categories.length > 1 ? markup`<button type="button" class="link danger" data-remove-category="${i}" aria-label="Remove ${c.name}">×</button>` : ""}</div>`)}</form>
      <button type="button" class="secondary" data-action="add-category">Add category</button>
      <p class="muted">Draw with the Section tool (drag a block of rows), the Standing area tool, or click to add text. Shift-click and drag to select; Delete removes; arrows nudge.</p>`;
  }
  panel.innerHTML = markup`${html}<h3>Totals</h3>${totals()}`;
}

// A grid section keeps each seat's departures from the section's settings under "row:seat".
function overrideOf(section, key) {
  section.overrides[key] ||= {};
  return section.overrides[key];
}

// Apply a change to every selected seat (grid sections keep per-seat overrides, free sections change the seat),
// then repaint only those seats.
function editSeats(edit) {
  change(() => {
    for (const id of ed.selection) {
      const [s, r, i] = id.split(":").map(Number);
      const section = ed.state.sections[s];
      if (!section) continue;
      if (section.kind === "grid") {
        const key = `${r}:${i}`;
        const current = findSeat(s, key);
        edit(overrideOf(section, key), current || { category: section.category, flags: [] });
      } else {
        const seat = section.rows[r]?.seats[i];
        if (seat) edit(seat, seat);
      }
    }
  }, { kind: "seats", ids: ed.selection });
}

export function deleteSelection() {
  if (ed.selectedShape !== null) { change(() => { ed.state.shapes.splice(ed.selectedShape, 1); ed.selectedShape = null; }); return; }
  if (ed.selectedText !== null) { change(() => { ed.state.texts.splice(ed.selectedText, 1); ed.selectedText = null; }); return; }
  if (ed.selectedArea !== null) { change(() => { ed.state.areas.splice(ed.selectedArea, 1); ed.selectedArea = null; }); return; }
  if (ed.selectedSection !== null && !ed.selection.size) { change(() => { ed.state.sections.splice(ed.selectedSection, 1); ed.selectedSection = null; }); return; }
  if (!ed.selection.size) return;
  change(() => {
    const bySection = new Map();
    for (const id of ed.selection) {
      const [s, r, i] = id.split(":").map(Number);
      if (!bySection.has(s)) bySection.set(s, []);
      bySection.get(s).push([r, i]);
    }
    for (const [s, spots] of bySection) {
      const section = ed.state.sections[s];
      if (section.kind === "grid") { for (const [r, i] of spots) overrideOf(section, `${r}:${i}`).deleted = true; }
      else {
        const gone = new Set(spots.map(([r, i]) => `${r}:${i}`));
        section.rows = section.rows.map((row, r) => ({ ...row, seats: row.seats.filter((_, i) => !gone.has(`${r}:${i}`)) })).filter((row) => row.seats.length);
      }
    }
    ed.state.sections = ed.state.sections.filter((section) => section.kind === "grid" ? section.rowCounts.some((n, r) => [...Array(n).keys()].some((i) => !section.overrides[`${r}:${i}`]?.deleted)) : section.rows.length);
    ed.selection.clear();
  });
}

function addCategory() {
  change(() => {
    const key = uniqueKey("category", new Set(ed.state.categories.map((c) => c.key)));
    ed.state.categories.push({ key, name: `Category ${ed.state.categories.length + 1}`, color: "#059669" });
  });
}

function renumber(direction, start) {
  // Free sections renumber the selected seats of each row in place; grid sections switch their numbering.
  change(() => {
    const rows = new Map();
    for (const seat of selectedSeats()) {
      const section = ed.state.sections[seat.s];
      if (section.kind === "grid") { section.direction = direction; section.seatStart = start; continue; }
      const key = `${seat.s}:${seat.r}`;
      if (!rows.has(key)) rows.set(key, []);
      rows.get(key).push(seat);
    }
    for (const [key, seats] of rows) {
      const [s, r] = key.split(":").map(Number);
      const section = ed.state.sections[s];
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
      if (input.name === "name") ed.state.name = value;
      if (input.name === "width" || input.name === "height") ed.state[input.name] = Math.max(100, Number(value) || 100);
      if (input.name === "stage") ed.state.stage = value ? { x: ed.state.width / 2 - 200, y: 30, width: 400, height: 80, label: "STAGE" } : null;
    });
  } else if (kind === "categories") {
    const [prop, index] = input.name.split("-");
    change(() => { ed.state.categories[Number(index)][prop] = value; });
  } else if (kind === "shape") {
    change(() => { ed.state.shapes[ed.selectedShape][input.name] = value; });
  } else if (kind === "text") {
    change(() => {
      const text = ed.state.texts[ed.selectedText];
      if (input.name === "size") text.size = Math.max(6, Math.min(200, Number(value) || 16));
      else text.text = value;
    });
  } else if (kind === "area") {
    change(() => {
      const area = ed.state.areas[ed.selectedArea];
      area[input.name] = input.name === "capacity" ? Math.max(0, Math.round(Number(value) || 0)) : value;
    });
  } else if (kind === "section") {
    change(() => updateSection(ed.state.sections[ed.selectedSection], input.name, value));
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

const ACTIONS = {
  delete: deleteSelection,
  "add-category": addCategory,
  "select-rows": () => selectWhole("rows"),
  "select-sections": () => selectWhole("sections"),
  "select-section": () => selectWhole("section"),
};

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
    change(() => ed.state.categories.splice(index, 1));
  } else if (button.dataset.action) {
    ACTIONS[button.dataset.action]?.();
  }
});
