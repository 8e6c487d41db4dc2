// The seat map's view: zoom and pan by buttons, Ctrl/Cmd + wheel, mouse drag, pinch and two-finger pan, and the
// minimap. The plain wheel and a one-finger swipe on a map that is not zoomed in scroll the page, as elsewhere.

export const SEAT_UNITS = 12; // a seat's diameter in map units (r = 6 in seatmap.css)
export const PICK_PX = 30; // a seat's size on screen where it is picked (WCAG 2.5.8 asks for 24)
const NUMBERS_PX = 22; // seat numbers show from this seat size on

// `onTouchZoomed`: called when fingers lift after zooming in or panning.
export function createMapView({ svg, viewport, minimap, hint, shapes, onTouchZoomed }) {
  const [x0, y0, w0, h0] = svg.getAttribute("viewBox").split(" ").map(Number);
  const home = { x: x0, y: y0, w: w0, h: h0 };
  let view = home;
  let box = svg.getBoundingClientRect(); // read again when a gesture starts: page scrolling moves it
  const measure = () => { box = svg.getBoundingClientRect(); };
  new ResizeObserver(measure).observe(svg);
  const scaleOf = (v) => Math.min(box.width / v.w, box.height / v.h);
  const seatPx = () => SEAT_UNITS * scaleOf(view);
  let dragged = false;

  let frame = 0;
  function setView(next) {
    // Zoom stays between 60x in and 1.5x out; a clamped zoom keeps the requested centre.
    const w = Math.min(Math.max(next.w, w0 / 60), w0 * 1.5);
    const h = next.h * (w / next.w);
    const cx = next.x + next.w / 2, cy = next.y + next.h / 2;
    view = { x: cx - w / 2, y: cy - h / 2, w, h };
    if (!frame) frame = requestAnimationFrame(drawView); // one write per frame, however many moves
  }

  // While fingers move, the drawing is only moved and scaled by the compositor (a CSS transform from the drawn
  // viewBox to the wanted one): changing the viewBox lays out every seat and label again, too slow per frame.
  let drawn = view;
  let transforming = false;
  function drawView() {
    frame = 0;
    if (transforming) {
      const k = scaleOf(view) / scaleOf(drawn);
      const offset = (v) => [(box.width - v.w * scaleOf(v)) / 2, (box.height - v.h * scaleOf(v)) / 2];
      const [dx, dy] = offset(drawn), [vx, vy] = offset(view);
      const tx = -k * dx + (drawn.x - view.x) * scaleOf(view) + vx;
      const ty = -k * dy + (drawn.y - view.y) * scaleOf(view) + vy;
      svg.style.transform = `translate(${tx}px, ${ty}px) scale(${k})`;
    } else {
      svg.setAttribute("viewBox", `${view.x} ${view.y} ${view.w} ${view.h}`);
      svg.style.transform = "";
      drawn = view;
      svg.classList.toggle("near", seatPx() >= NUMBERS_PX);
    }
    const zoomed = view.w < w0 * 0.95;
    viewport.classList.toggle("zoomed", zoomed);
    minimap.toggleAttribute("hidden", !zoomed); // an <svg> has no .hidden property
    if (zoomed) drawMinimap();
  }

  function toMap(v, clientX, clientY) {
    const scale = scaleOf(v);
    const offsetX = (box.width - v.w * scale) / 2, offsetY = (box.height - v.h * scale) / 2;
    return [v.x + (clientX - box.left - offsetX) / scale, v.y + (clientY - box.top - offsetY) / scale];
  }

  function zoomAt(factor, cx, cy) {
    setView({ x: cx - (cx - view.x) * factor, y: cy - (cy - view.y) * factor, w: view.w * factor, h: view.h * factor });
  }

  // Shows the part of the map around (x, y) at the size where seats are picked.
  function zoomToPick(x, y) {
    const w = (box.width * SEAT_UNITS) / PICK_PX, h = (box.height * SEAT_UNITS) / PICK_PX;
    setView({ x: x - w / 2, y: y - h / 2, w, h });
  }

  // A section whole if its seats are then big enough to pick, else the part of it around `at`.
  function showArea(bounds, at) {
    const fit = Math.min(box.width / bounds.width, box.height / bounds.height) * 0.95;
    if (SEAT_UNITS * fit >= PICK_PX) {
      const w = box.width / fit, h = box.height / fit;
      setView({ x: bounds.x + bounds.width / 2 - w / 2, y: bounds.y + bounds.height / 2 - h / 2, w, h });
    } else {
      const [x, y] = at ?? [bounds.x + bounds.width / 2, bounds.y + bounds.height / 2];
      zoomToPick(x, y);
    }
  }

  function keepInView(x, y) {
    const margin = view.w * 0.08;
    if (x < view.x + margin || x > view.x + view.w - margin || y < view.y + margin || y > view.y + view.h - margin) {
      setView({ x: x - view.w / 2, y: y - view.h / 2, w: view.w, h: view.h });
    }
  }

  // The minimap: the section shapes drawn once, small, with the current view as a frame.
  let minimapView = null;
  function drawMinimap() {
    if (!minimapView) {
      minimap.setAttribute("viewBox", `${x0} ${y0} ${w0} ${h0}`);
      for (const shape of shapes) {
        const copy = document.createElementNS(svg.namespaceURI, "g");
        copy.setAttribute("class", shape.getAttribute("class").replace(" open", ""));
        copy.append(shape.querySelector("polygon").cloneNode());
        minimap.append(copy);
      }
      minimapView = document.createElementNS(svg.namespaceURI, "rect");
      minimapView.setAttribute("class", "view");
      minimap.append(minimapView);
    }
    for (const [attribute, value] of [["x", view.x], ["y", view.y], ["width", view.w], ["height", view.h]]) {
      minimapView.setAttribute(attribute, value);
    }
  }

  let hintTimer = 0;
  function showHint(text) {
    hint.textContent = text;
    hint.hidden = false;
    clearTimeout(hintTimer);
    hintTimer = setTimeout(() => { hint.hidden = true; }, 1500);
  }

  // The wheel scrolls the page, as everywhere else; Ctrl (or Cmd) + wheel zooms the map.
  const zoomKey = /Mac|iPhone|iPad/.test(navigator.platform) ? "⌘" : "Ctrl";
  svg.addEventListener("wheel", (event) => {
    if (!event.ctrlKey && !event.metaKey) {
      showHint(`Use ${zoomKey} + scroll to zoom the map`);
      return;
    }
    event.preventDefault();
    measure();
    const [cx, cy] = toMap(view, event.clientX, event.clientY);
    zoomAt(event.deltaY > 0 ? 1.15 : 1 / 1.15, cx, cy);
  }, { passive: false });

  // Mouse drag pans; touch has its own gestures below.
  let mouseDown = null;
  svg.addEventListener("pointerdown", (event) => {
    dragged = false;
    if (event.pointerType === "mouse" && event.button === 0) mouseDown = { x: event.clientX, y: event.clientY, view };
  });
  svg.addEventListener("pointermove", (event) => {
    if (!mouseDown || event.pointerType !== "mouse") return;
    const dx = event.clientX - mouseDown.x, dy = event.clientY - mouseDown.y;
    if (!dragged && Math.abs(dx) + Math.abs(dy) <= 3) return;
    if (!dragged) svg.setPointerCapture(event.pointerId);
    dragged = true;
    const scale = scaleOf(mouseDown.view);
    setView({ ...mouseDown.view, x: mouseDown.view.x - dx / scale, y: mouseDown.view.y - dy / scale });
  });
  for (const type of ["pointerup", "pointercancel"]) {
    svg.addEventListener(type, () => { mouseDown = null; setTimeout(() => { dragged = false; }, 0); });
  }

  // Touch: pinch and two-finger pan; one finger pans only a zoomed-in map (else the page scrolls).
  let gesture = null;
  function touchState(touches) {
    const [a, b] = [touches[0], touches[1]];
    if (!b) return { x: a.clientX, y: a.clientY, distance: 0 };
    return { x: (a.clientX + b.clientX) / 2, y: (a.clientY + b.clientY) / 2,
      distance: Math.hypot(a.clientX - b.clientX, a.clientY - b.clientY) };
  }
  viewport.addEventListener("touchstart", (event) => {
    if (event.touches.length > 2) return;
    if (event.touches.length === 2) event.preventDefault();
    else if (!viewport.classList.contains("zoomed")) { gesture = null; return; }
    measure();
    const start = touchState(event.touches);
    gesture = { start, view, anchor: toMap(view, start.x, start.y), moved: false };
    transforming = true;
  }, { passive: false });
  viewport.addEventListener("touchmove", (event) => {
    if (!gesture || event.touches.length > 2) return;
    event.preventDefault();
    const now = touchState(event.touches);
    const pinch = event.touches.length === 2 && gesture.start.distance > 0;
    const factor = pinch ? gesture.start.distance / Math.max(now.distance, 1) : 1;
    const moved = Math.abs(now.x - gesture.start.x) + Math.abs(now.y - gesture.start.y) + Math.abs(factor - 1) * 100;
    if (!gesture.moved && moved < 6) return;
    gesture.moved = true;
    dragged = true;
    // The map point first under the fingers stays under them, at the new size.
    const next = { w: gesture.view.w * factor, h: gesture.view.h * factor };
    const scale = scaleOf(next);
    const offsetX = (box.width - next.w * scale) / 2, offsetY = (box.height - next.h * scale) / 2;
    next.x = gesture.anchor[0] - (now.x - box.left - offsetX) / scale;
    next.y = gesture.anchor[1] - (now.y - box.top - offsetY) / scale;
    setView(next);
  }, { passive: false });
  function endTouch(event) {
    if (!gesture) return;
    if (event.touches.length > 0) {
      const start = touchState(event.touches); // one finger lifted: carry on panning with the other
      gesture = { start, view, anchor: toMap(view, start.x, start.y), moved: gesture.moved };
      return;
    }
    transforming = false;
    setView(view); // the final view, drawn once
    if (gesture.moved) {
      onTouchZoomed();
      setTimeout(() => { dragged = false; }, 0);
    }
    gesture = null;
  }
  viewport.addEventListener("touchend", endTouch);
  viewport.addEventListener("touchcancel", endTouch);

  return {
    get view() { return view; },
    home, measure, scaleOf, seatPx, setView, toMap, zoomAt, zoomToPick, showArea, keepInView,
    dragged: () => dragged,
  };
}
