// The designer's state: the document being drawn, the selection, and the undo history. The view subscribes
// to it and is told what to redraw; this module never imports the view.
import { gridRows } from "./geometry.js";

// A document from a file or the server, as typed values only: numbers are numbers, colours are #rrggbb, texts are
// strings, unknown fields and flags are dropped. Whatever an imported file holds, the drawing is built from these.
const list = (value) => (Array.isArray(value) ? value : []);
const num = (value, fallback = 0) => (Number.isFinite(Number(value)) && value !== null && value !== "" ? Number(value) : fallback);
const str = (value, fallback = "") => (value === undefined || value === null ? fallback : String(value));
const color = (value, fallback) => (/^#[0-9a-f]{6}$/i.test(value) ? value : fallback);
const point = (p) => [num(list(p)[0]), num(list(p)[1])];
const FLAGS = new Set(["wheelchair", "companion", "restricted_view"]);
const SHAPES = new Set(["rect", "ellipse", "polygon"]);

export const root = document.getElementById("designer");
export const saveState = root.querySelector(".save-state");
// --- state: the document's parts, sections as the editor knows them (grid = still parametric, free = as loaded)
export const ed = {
  state: fromDocument(JSON.parse(document.getElementById("design-document").textContent)),
  version: Number(root.dataset.version),
  selection: new Set(), // seat ids "section:row:seat"
  selectedArea: null, // index into state.areas
  selectedSection: null, // index of a section whose settings the panel shows
  selectedText: null, // index into state.texts
  selectedShape: null, // index into state.shapes
  tool: "select",
  dirty: false,
  built: [], // per section: [{label, seats: [{id, key, number, x, y, category, flags}]}]
};
export const undoStack = [];
export const redoStack = [];

export function fromDocument(doc) {
  return {
    name: str(doc.name), width: num(doc.width, 1000), height: num(doc.height, 800),
    categories: list(doc.categories).map((c) => ({ key: str(c.key), name: str(c.name), color: color(c.color, "#999999") })),
    stage: doc.stage ? { x: num(doc.stage.x), y: num(doc.stage.y), width: num(doc.stage.width), height: num(doc.stage.height), label: str(doc.stage.label, "STAGE") } : null,
    shapes: list(doc.shapes).filter((shape) => list(shape.points).length >= 2).map((shape) => ({
      kind: SHAPES.has(shape.kind) ? shape.kind : "rect", points: shape.points.map(point), fill: color(shape.fill, "#e5e7eb"), label: str(shape.label),
    })),
    texts: list(doc.texts).map((t) => ({ text: str(t.text), x: num(t.x), y: num(t.y), size: num(t.size, 14) })),
    areas: list(doc.ga_areas).map((a) => ({ key: str(a.key), name: str(a.name), polygon: list(a.polygon).map(point), capacity: Math.round(num(a.capacity)), category: str(a.category) })),
    sections: list(doc.sections).map((s) => ({
      kind: "free", key: str(s.key), name: str(s.name),
      rows: list(s.rows).map((r) => ({
        label: str(r.label),
        seats: list(r.seats).map((seat) => ({
          key: str(seat.key), number: str(seat.number), x: num(seat.x), y: num(seat.y), category: str(seat.category), flags: list(seat.flags).filter((f) => FLAGS.has(f)),
        })),
      })),
    })),
  };
}

export function sectionRows(section) {
  if (section.kind === "grid") return gridRows(section);
  return section.rows.map((row, r) => ({ label: row.label, seats: row.seats.map((seat, i) => ({ ...seat, id: `${r}:${i}` })) }));
}

export function toDocument() {
  return {
    format: "usher.seatmap/1", name: ed.state.name, width: ed.state.width, height: ed.state.height,
    categories: ed.state.categories,
    sections: ed.state.sections.map((section, s) => ({
      key: section.key, name: section.name,
      rows: ed.built[s].map((row) => ({
        label: row.label,
        seats: row.seats.map(({ key, number, x, y, category, flags }) => ({ key, number, x, y, category, flags })),
      })),
    })),
    ga_areas: ed.state.areas.map(({ key, name, polygon, capacity, category }) => ({ key, name, polygon, capacity, category })),
    stage: ed.state.stage, shapes: ed.state.shapes, texts: ed.state.texts,
  };
}

// --- notifications: {kind: "drawing"} redraw all, {kind: "seats", ids} repaint those seats, {kind: "document"} fit a new document
const listeners = new Set();
const REDRAW = { kind: "drawing" };
export function subscribe(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
function notify(notice) { for (const listener of listeners) listener(notice); }

// --- selection ---------------------------------------------------------------------------------------------
// setSelection leaves telling the view to its caller (a change() does); select tells it at once.
export function setSelection({ seats = [], area = null, section = null, text = null, shape = null }) {
  ed.selection = new Set(seats); ed.selectedArea = area; ed.selectedSection = section; ed.selectedText = text; ed.selectedShape = shape;
}
export function select(target = {}) { setSelection(target); notify(REDRAW); }
export function clearSelection() { select(); }

// Grow the selection to the whole rows or sections of the selected seats, or to every seat of the selected section.
export function selectWhole(scope) {
  const wanted = scope === "section"
    ? new Set([`${ed.selectedSection}:`])
    : new Set([...ed.selection].map((id) => { const [s, r] = id.split(":"); return scope === "rows" ? `${s}:${r}:` : `${s}:`; }));
  const picked = [];
  for (const [s, rows] of ed.built.entries()) {
    for (const row of rows) {
      for (const seat of row.seats) {
        const [r] = seat.id.split(":"); // seat ids within a section are "row:seat"
        if (wanted.has(`${s}:`) || wanted.has(`${s}:${r}:`)) picked.push(`${s}:${seat.id}`);
      }
    }
  }
  select({ seats: picked });
}

// --- history ---------------------------------------------------------------------------------------------
export function snapshot() { return JSON.stringify(ed.state); }
export function change(mutate, notice = REDRAW) {
  undoStack.push(snapshot());
  if (undoStack.length > 100) undoStack.shift();
  redoStack.length = 0;
  mutate();
  markDirty();
  notify(notice);
}
// A document from outside replaces the drawing, undoably; the view fits it to the screen.
export function load(doc) {
  change(() => { ed.state = fromDocument(doc); setSelection({}); }, { kind: "document" });
}
export function undo() { if (undoStack.length) { redoStack.push(snapshot()); ed.state = JSON.parse(undoStack.pop()); markDirty(); clearSelection(); } }
export function redo() { if (redoStack.length) { undoStack.push(snapshot()); ed.state = JSON.parse(redoStack.pop()); markDirty(); clearSelection(); } }
export function markDirty() { ed.dirty = true; saveState.textContent = "unsaved changes"; }
window.addEventListener("beforeunload", (event) => { if (ed.dirty) event.preventDefault(); });

// --- drawing ----------------------------------------------------------------------------------------------
// Markup is written only with the `markup` tag: every value put into it is escaped unless it is markup made the
// same way, so no name, label or key of a layout can become an element, an attribute or a script.
class Markup {
  constructor(text) { this.text = text; }
  toString() { return this.text; }
}
const esc = (text) => String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
const embed = (value) => (value instanceof Markup ? value.text : Array.isArray(value) ? value.map(embed).join("") : esc(value ?? ""));
export function markup(strings, ...values) {
  return new Markup(strings.reduce((out, piece, i) => out + embed(values[i - 1]) + piece));
}
export const colorOf = () => Object.fromEntries(ed.state.categories.map((c) => [c.key, c.color]));

export function centroid(points) {
  return [points.reduce((t, p) => t + p[0], 0) / points.length, points.reduce((t, p) => t + p[1], 0) / points.length];
}

export function selectedSeats() {
  const result = [];
  for (const id of ed.selection) {
    const [s, r, i] = id.split(":").map(Number);
    const seat = findSeat(s, `${r}:${i}`);
    if (seat) result.push({ ...seat, s, r, i });
  }
  return result;
}
export function findSeat(s, seatId) {
  for (const row of ed.built[s] || []) for (const seat of row.seats) if (seat.id === seatId) return seat;
  return null;
}

export function uniqueKey(prefix, taken) {
  let n = 1;
  while (taken.has(`${prefix}${n}`)) n += 1;
  return `${prefix}${n}`;
}
