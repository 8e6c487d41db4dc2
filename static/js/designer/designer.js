// The venue designer: draw sections, rows and standing areas on an SVG canvas, number them, give seats their
// category and flags, and save each result as a new version of the layout (validated on the server).
import { gridRows } from "./geometry.js";
import { download, preview, save } from "./io.js";
import { deleteSelection, renderPanel } from "./panel.js";
import {
  centroid, change, clearSelection, colorOf, ed, findSeat, markDirty, markup, redo, root, sectionRows, select, selectedSeats, selectWhole,
  setSelection, snapshot, subscribe, toDocument, undo, undoStack, uniqueKey,
} from "./store.js";

const svg = document.getElementById("design");
const GRID = 10;

// --- view (zoom and pan through the viewBox) --------------------------------------------------------------
let view = { x: 0, y: 0, w: ed.state.width, h: ed.state.height };
function setView(next) { view = next; svg.setAttribute("viewBox", `${view.x} ${view.y} ${view.w} ${view.h}`); }
function fit() { setView({ x: -20, y: -20, w: ed.state.width + 40, h: ed.state.height + 40 }); }
function zoomAt(factor, cx, cy) {
  setView({ x: cx - (cx - view.x) * factor, y: cy - (cy - view.y) * factor, w: view.w * factor, h: view.h * factor });
}
function toMap(event) {
  const point = new DOMPoint(event.clientX, event.clientY).matrixTransform(svg.getScreenCTM().inverse());
  return [point.x, point.y];
}
const snapped = (v) => (document.getElementById("snap").checked ? Math.round(v / GRID) * GRID : Math.round(v * 10) / 10);

function render() {
  ed.built = ed.state.sections.map(sectionRows);
  const colors = colorOf();
  const pointList = (points) => points.map((p) => p.join(",")).join(" ");
  const parts = [markup`<g class="backdrop"><rect x="0" y="0" width="${ed.state.width}" height="${ed.state.height}" fill="#fafafa" stroke="#e5e7eb"/>`];
  if (ed.state.stage) {
    const st = ed.state.stage;
    parts.push(markup`<rect class="stage" x="${st.x}" y="${st.y}" width="${st.width}" height="${st.height}" rx="8"/>`,
      markup`<text class="stage-label" x="${st.x + st.width / 2}" y="${st.y + st.height / 2}">${st.label}</text>`);
  }
  ed.state.shapes.forEach((shape, n) => {
    const [[x0, y0], [x1, y1]] = [shape.points[0], shape.points.at(-1)];
    const cls = `shape${n === ed.selectedShape ? " selected" : ""}`;
    if (shape.kind === "polygon") parts.push(markup`<polygon class="${cls}" data-shape="${n}" fill="${shape.fill}" points="${pointList(shape.points)}"/>`);
    else if (shape.kind === "ellipse") parts.push(markup`<ellipse class="${cls}" data-shape="${n}" fill="${shape.fill}" cx="${(x0 + x1) / 2}" cy="${(y0 + y1) / 2}" rx="${Math.abs(x1 - x0) / 2}" ry="${Math.abs(y1 - y0) / 2}"/>`);
    else parts.push(markup`<rect class="${cls}" data-shape="${n}" fill="${shape.fill}" x="${Math.min(x0, x1)}" y="${Math.min(y0, y1)}" width="${Math.abs(x1 - x0)}" height="${Math.abs(y1 - y0)}"/>`);
  });
  if (drawing.length) parts.push(markup`<polyline class="rubber" points="${pointList(drawing)}"/>`);
  ed.state.texts.forEach((text, t) => {
    parts.push(markup`<text class="map-text${t === ed.selectedText ? " selected" : ""}" data-text="${t}" x="${text.x}" y="${text.y}" font-size="${text.size}">${text.text}</text>`);
  });
  ed.state.areas.forEach((area, a) => {
    parts.push(markup`<polygon class="ga${a === ed.selectedArea ? " selected" : ""}" data-area="${a}" style="--seat:${colors[area.category] || "#999"}" points="${pointList(area.polygon)}"/>`);
    const [cx, cy] = centroid(area.polygon);
    parts.push(markup`<text class="section-label" x="${cx}" y="${cy}" text-anchor="middle" pointer-events="none">${area.name} (${area.capacity})</text>`);
  });
  parts.push(markup`</g><g class="seats">`);
  ed.built.forEach((rows, s) => {
    const section = ed.state.sections[s];
    for (const row of rows) {
      for (const seat of row.seats) {
        const id = `${s}:${seat.id}`;
        const classes = `seat${ed.selection.has(id) ? " selected" : ""}${seat.flags.includes("wheelchair") ? " flag-wheelchair" : ""}`;
        parts.push(markup`<circle class="${classes}" data-id="${id}" data-key="${seat.key}" cx="${seat.x}" cy="${seat.y}" r="7" style="--seat:${colors[seat.category] || "#999"}"><title>${section.name} ${row.label}-${seat.number}</title></circle>`);
      }
    }
    const first = rows[0]?.seats[0];
    if (first) parts.push(markup`<text class="section-label" data-section="${s}" x="${first.x}" y="${first.y - 16}">${section.name}</text>`);
  });
  parts.push(markup`</g><g class="overlay">`);
  if (ed.selectedSection !== null && ed.state.sections[ed.selectedSection]?.kind === "grid") {
    const section = ed.state.sections[ed.selectedSection];
    const [hx, hy] = curveHandle(section);
    parts.push(markup`<rect class="handle" data-handle="move" x="${section.x - 7}" y="${section.y - 30}" width="14" height="14"><title>Drag to move</title></rect>`,
      markup`<circle class="handle" data-handle="curve" cx="${hx}" cy="${hy}" r="8"><title>Drag to curve</title></circle>`);
  }
  parts.push(markup`</g>`);
  svg.innerHTML = markup`${parts}`;
  circles = new Map([...svg.querySelectorAll("circle.seat")].map((el) => [el.dataset.id, el]));
  shown = new Set(ed.selection);
  renderPanel();
}

// Selection changes touch only the circles whose state changed, not the whole drawing (10,000 seats).
let circles = new Map();
let shown = new Set();
function showSelection() {
  for (const id of shown) if (!ed.selection.has(id)) circles.get(id)?.classList.remove("selected");
  for (const id of ed.selection) if (!shown.has(id)) circles.get(id)?.classList.add("selected");
  shown = new Set(ed.selection);
  svg.querySelector(".overlay").replaceChildren();
  renderPanel();
}

// After seats changed category or flags: rebuild the seat list, repaint just those circles.
function repaintSeats(ids) {
  ed.built = ed.state.sections.map(sectionRows);
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

function curveHandle(section) {
  const rows = section.rowCounts.length;
  const angle = (section.rotation * Math.PI) / 180;
  const ly = rows * section.rowSpacing + 20;
  return [section.x - ly * Math.sin(angle), section.y + ly * Math.cos(angle)];
}

// --- canvas interaction -------------------------------------------------------------------------------------
let gesture = null;

let drawing = []; // corners of the polygon area being clicked out

function closePolygon() {
  const corners = drawing.filter((p, i) => i === 0 || p[0] !== drawing[i - 1][0] || p[1] !== drawing[i - 1][1]);
  drawing = [];
  if (corners.length < 3) { render(); return; }
  change(() => {
    const taken = new Set([...ed.state.areas.map((a) => a.key), ...ed.state.sections.map((s) => s.key)]);
    const key = uniqueKey("GA", taken);
    ed.state.areas.push({ key, name: `Standing ${key.slice(2)}`, polygon: corners, capacity: 100, category: ed.state.categories[0].key });
    setSelection({ area: ed.state.areas.length - 1 });
  });
}

function seatsIn(x0, y0, x1, y1) {
  const [ax, bx] = [Math.min(x0, x1), Math.max(x0, x1)];
  const [ay, by] = [Math.min(y0, y1), Math.max(y0, y1)];
  const ids = [];
  for (const [s, rows] of ed.built.entries()) {
    for (const row of rows) for (const seat of row.seats) if (seat.x >= ax && seat.x <= bx && seat.y >= ay && seat.y <= by) ids.push(`${s}:${seat.id}`);
  }
  return ids;
}

svg.addEventListener("pointerdown", (event) => {
  const [x, y] = toMap(event);
  const panning = ed.tool === "pan" || event.button === 1 || spaceDown;
  if (panning) { gesture = { kind: "pan", start: [event.clientX, event.clientY], view: { ...view } }; svg.setPointerCapture(event.pointerId); return; }
  const handle = event.target.dataset.handle;
  if (handle && ed.selectedSection !== null) {
    const section = ed.state.sections[ed.selectedSection];
    undoStack.push(snapshot());
    gesture = { kind: handle, start: [x, y], origin: { x: section.x, y: section.y, curve: section.curve } };
    svg.setPointerCapture(event.pointerId);
    return;
  }
  if (ed.tool === "polygon") {
    drawing.push([snapped(x), snapped(y)]);
    render();
    return;
  }
  if (ed.tool === "section" || ed.tool === "area" || ed.tool === "shape") {
    gesture = { kind: "draw", start: [snapped(x), snapped(y)], now: [snapped(x), snapped(y)] };
    svg.setPointerCapture(event.pointerId);
    return;
  }
  if (ed.tool === "text") {
    change(() => {
      ed.state.texts.push({ text: "Label", x: snapped(x), y: snapped(y), size: 16 });
      setSelection({ text: ed.state.texts.length - 1 });
    });
    return;
  }
  const seatEl = event.target.closest("circle.seat");
  const areaEl = event.target.closest("polygon.ga");
  const labelEl = event.target.closest("text[data-section]");
  const textEl = event.target.closest("text[data-text]");
  const shapeEl = event.target.closest("[data-shape]");
  if (seatEl) {
    const id = seatEl.dataset.id;
    const hadPanelTarget = ed.selectedSection !== null || ed.selectedArea !== null || ed.selectedText !== null || ed.selectedShape !== null;
    ed.selectedArea = null;
    ed.selectedSection = null; ed.selectedText = null; ed.selectedShape = null;
    if (event.shiftKey || event.ctrlKey || event.metaKey) { if (ed.selection.has(id)) ed.selection.delete(id); else ed.selection.add(id); }
    else ed.selection = new Set([id]);
    if (hadPanelTarget) render(); else showSelection();
  } else if (areaEl) select({ area: Number(areaEl.dataset.area) });
  else if (shapeEl) select({ shape: Number(shapeEl.dataset.shape) });
  else if (textEl) select({ text: Number(textEl.dataset.text) });
  else if (labelEl) select({ section: Number(labelEl.dataset.section) });
  else {
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
    const section = ed.state.sections[ed.selectedSection];
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
    const hadPanelTarget = ed.selectedSection !== null || ed.selectedArea !== null || ed.selectedText !== null || ed.selectedShape !== null;
    ed.selection = done.add ? new Set([...ed.selection, ...ids]) : new Set(ids);
    ed.selectedArea = null;
    ed.selectedSection = null; ed.selectedText = null; ed.selectedShape = null;
    if (hadPanelTarget) render(); else showSelection();
    return;
  }
  const width = Math.abs(x1 - x0);
  const height = Math.abs(y1 - y0);
  if (width < 10 && height < 10) { render(); return; }
  if (ed.tool === "shape") {
    change(() => {
      ed.state.shapes.push({ kind: "rect", points: [[Math.min(x0, x1), Math.min(y0, y1)], [Math.max(x0, x1), Math.max(y0, y1)]], fill: "#e5e7eb", label: "" });
      setSelection({ shape: ed.state.shapes.length - 1 });
    });
  } else if (ed.tool === "area") {
    change(() => {
      const taken = new Set([...ed.state.areas.map((a) => a.key), ...ed.state.sections.map((s) => s.key)]);
      const key = uniqueKey("GA", taken);
      const [ax, bx] = [Math.min(x0, x1), Math.max(x0, x1)];
      const [ay, by] = [Math.min(y0, y1), Math.max(y0, y1)];
      ed.state.areas.push({ key, name: `Standing ${key.slice(2)}`, polygon: [[ax, ay], [bx, ay], [bx, by], [ax, by]], capacity: 100, category: ed.state.categories[0].key });
      setSelection({ area: ed.state.areas.length - 1 });
    });
  } else {
    change(() => {
      const seatSpacing = 20;
      const rowSpacing = 24;
      const seats = Math.max(1, Math.round(width / seatSpacing));
      const rows = Math.max(1, Math.round(height / rowSpacing));
      const taken = new Set([...ed.state.areas.map((a) => a.key), ...ed.state.sections.map((s) => s.key)]);
      const key = uniqueKey("S", taken);
      ed.state.sections.push({
        kind: "grid", key, name: `Section ${key.slice(1)}`,
        x: snapped((x0 + x1) / 2), y: snapped(Math.min(y0, y1) + rowSpacing / 2),
        rotation: 0, curve: 0, seatSpacing, rowSpacing, rowCounts: Array(rows).fill(seats),
        category: ed.state.categories[0].key, rowScheme: "letters", skipIO: true, rowStart: 1,
        direction: "ltr", seatStart: 1, overrides: {},
      });
      setSelection({ section: ed.state.sections.length - 1 });
    });
  }
});

svg.addEventListener("dblclick", (event) => {
  if (ed.tool === "polygon") { closePolygon(); return; }
  const seatEl = event.target.closest("circle.seat");
  if (!seatEl) return;
  ed.selection = new Set([seatEl.dataset.id]);
  selectWhole("rows");
});

svg.addEventListener("wheel", (event) => {
  event.preventDefault();
  const [cx, cy] = toMap(event);
  zoomAt(event.deltaY > 0 ? 1.15 : 1 / 1.15, cx, cy);
}, { passive: false });

// --- toolbar and keys ---------------------------------------------------------------------------------------
function runAction(action) {
  if (action === "undo") undo();
  else if (action === "redo") redo();
  else if (action === "zoom-in") zoomAt(1 / 1.25, view.x + view.w / 2, view.y + view.h / 2);
  else if (action === "zoom-out") zoomAt(1.25, view.x + view.w / 2, view.y + view.h / 2);
  else if (action === "fit") fit();
  else if (action === "export") download();
  else if (action === "preview") preview();
  else if (action === "save") save(ed.version);
}

root.querySelector(".designer-toolbar").addEventListener("click", (event) => {
  const button = event.target.closest("button");
  if (!button) return;
  if (button.dataset.tool) setTool(button.dataset.tool);
  else if (button.dataset.action) runAction(button.dataset.action);
});

function setTool(next) {
  ed.tool = next;
  for (const button of root.querySelectorAll("[data-tool]")) button.setAttribute("aria-pressed", String(button.dataset.tool === ed.tool));
  svg.style.cursor = ed.tool === "pan" ? "grab" : ed.tool === "select" ? "default" : "crosshair";
}

let spaceDown = false;
document.addEventListener("keydown", (event) => {
  if (event.target.closest?.("input, select, textarea")) return;
  const mod = event.ctrlKey || event.metaKey;
  if (mod && event.key.toLowerCase() === "z") { event.preventDefault(); if (event.shiftKey) redo(); else undo(); }
  else if (mod && event.key.toLowerCase() === "y") { event.preventDefault(); redo(); }
  else if (mod && event.key.toLowerCase() === "a") { event.preventDefault(); selectAll(); }
  else if (mod && event.key.toLowerCase() === "s") { event.preventDefault(); save(ed.version); }
  else if (event.key === "Delete" || event.key === "Backspace") { event.preventDefault(); deleteSelection(); }
  else if (event.key === "Escape") { drawing = []; clearSelection(); }
  else if (event.key === "Enter" && drawing.length) { event.preventDefault(); closePolygon(); }
  else if (event.key === " ") { spaceDown = true; event.preventDefault(); }
  else if (event.key.startsWith("Arrow")) { event.preventDefault(); nudge(event.key, event.shiftKey ? 10 : 1); }
  else if (!mod) {
    const tools = { v: "select", s: "section", g: "area", p: "polygon", r: "shape", t: "text", h: "pan" };
    if (tools[event.key.toLowerCase()]) setTool(tools[event.key.toLowerCase()]);
  }
});
document.addEventListener("keyup", (event) => { if (event.key === " ") spaceDown = false; });

function nudge(key, step) {
  const [dx, dy] = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] }[key];
  if (ed.selectedSection !== null && ed.state.sections[ed.selectedSection].kind === "grid") {
    change(() => { const s = ed.state.sections[ed.selectedSection]; s.x += dx; s.y += dy; });
  } else if (ed.selectedArea !== null) {
    change(() => { for (const p of ed.state.areas[ed.selectedArea].polygon) { p[0] += dx; p[1] += dy; } });
  } else if (ed.selectedText !== null) {
    change(() => { const text = ed.state.texts[ed.selectedText]; text.x += dx; text.y += dy; });
  } else if (ed.selection.size) {
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
  const section = ed.state.sections[s];
  if (section.kind === "free") return section;
  const rows = gridRows(section);
  const free = { kind: "free", key: section.key, name: section.name, rows: rows.map((row) => ({ label: row.label, seats: row.seats.map(({ id, ...seat }) => seat) })) };
  ed.state.sections[s] = free;
  return free;
}

// Exposed for tests and benchmarks (read-only views plus the same entry points the UI uses).
function selectAll() {
  const hadPanelTarget = ed.selectedSection !== null || ed.selectedArea !== null || ed.selectedText !== null || ed.selectedShape !== null;
  ed.selection = new Set(seatsIn(-1e9, -1e9, 1e9, 1e9));
  ed.selectedArea = null;
  ed.selectedSection = null; ed.selectedText = null; ed.selectedShape = null;
  if (hadPanelTarget) render(); else showSelection();
}

// The store says what changed; the view redraws that much.
subscribe((notice) => {
  if (notice.kind === "seats") { repaintSeats(notice.ids); return; }
  if (notice.kind === "document") fit();
  render();
});

window.usherDesigner = { toDocument, selectAll, stats: () => ({ seats: ed.built.reduce((t, rows) => t + rows.reduce((u, row) => u + row.seats.length, 0), 0), selected: ed.selection.size }) };

fit();
render();
