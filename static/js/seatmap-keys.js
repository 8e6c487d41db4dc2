// The seat map by keyboard: one seat in the tab order at a time (roving tabindex), starting on a seat that can be
// picked; arrows move between seats that can be picked (sold and not-for-sale seats are skipped), Page Up / Page
// Down by row, Home / End along the row, Enter or Space holds or releases, Escape goes back to the sections.

// `reveal(el)`: open the seat's section and bring it into view; `enterSection(index)`: a section shape chosen;
// `leaveSection(el)`: Escape on a seat of a big map.
export function createSeatKeys({ svg, isPickable, prepareSection, describe, toggle, reveal, enterSection, leaveSection }) {
  const ring = document.createElementNS(svg.namespaceURI, "circle");
  ring.setAttribute("class", "focus-ring");
  ring.setAttribute("aria-hidden", "true");
  ring.style.display = "none";
  svg.append(ring);

  const pickableIn = (row) => [...row.querySelectorAll("circle.seat")].filter(isPickable);

  function firstPickable(section) {
    prepareSection(section);
    for (const row of section.querySelectorAll("g.row")) {
      const seats = pickableIn(row);
      if (seats.length) return seats[0];
    }
    return null;
  }

  let focused = null;
  function setRoving(el) {
    if (focused && focused !== el) focused.setAttribute("tabindex", "-1");
    el.setAttribute("tabindex", "0");
    focused = el;
  }

  function focusSeat(el) {
    if (!el) return;
    reveal(el);
    setRoving(el);
    el.focus({ preventScroll: true });
  }

  svg.addEventListener("focusin", (event) => {
    const el = event.target.closest("circle.seat");
    if (!el) return;
    setRoving(el);
    describe(el);
    ring.setAttribute("cx", el.getAttribute("cx"));
    ring.setAttribute("cy", el.getAttribute("cy"));
    ring.style.display = "";
  });
  svg.addEventListener("focusout", () => { ring.style.display = "none"; });

  function nearestIn(row, x) {
    let best = null;
    for (const el of pickableIn(row)) {
      const d = Math.abs(Number(el.getAttribute("cx")) - x);
      if (!best || d < best.d) best = { el, d };
    }
    return best?.el ?? null;
  }

  // The next row in `step` direction (within the section) that has a seat to pick, and what to take from it.
  function rowFrom(row, step, choose) {
    const rows = [...row.closest("g.sec").querySelectorAll("g.row")];
    for (let i = rows.indexOf(row) + step; i >= 0 && i < rows.length; i += step) {
      const found = choose(rows[i]);
      if (found) return found;
    }
    return null;
  }

  svg.addEventListener("keydown", (event) => {
    const shape = event.target.closest("g.sec-shape");
    if (shape && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      enterSection(Number(shape.dataset.sec));
      return;
    }
    const el = event.target.closest("circle.seat");
    if (!el) return;
    const row = el.parentNode;
    const seats = pickableIn(row);
    const pos = seats.indexOf(el);
    const x = Number(el.getAttribute("cx"));
    let next = null;
    switch (event.key) {
      case "ArrowRight": next = seats[pos + 1] ?? rowFrom(row, 1, (r) => pickableIn(r)[0]); break;
      case "ArrowLeft": next = seats[pos - 1] ?? rowFrom(row, -1, (r) => pickableIn(r).at(-1)); break;
      case "ArrowDown": next = rowFrom(row, 1, (r) => nearestIn(r, x)); break;
      case "ArrowUp": next = rowFrom(row, -1, (r) => nearestIn(r, x)); break;
      case "PageDown": next = rowFrom(row, 1, (r) => pickableIn(r)[0]); break;
      case "PageUp": next = rowFrom(row, -1, (r) => pickableIn(r)[0]); break;
      case "Home": next = seats[0]; break;
      case "End": next = seats.at(-1); break;
      case "Escape": if (!leaveSection(el)) return; break;
      case "Enter": case " ": event.preventDefault(); toggle(el); return;
      default: return;
    }
    event.preventDefault();
    if (next) focusSeat(next);
  });

  return { firstPickable, focusSeat, setRoving, focused: () => focused };
}
