// Saving versions (problems shown next to their elements), preview with the attendee renderer, import, export.
import { ed, load, markup, root, saveState, select, toDocument } from "./store.js";

const drawing = document.getElementById("design");
const problemsBox = document.getElementById("problems");
const csrf = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["x-csrftoken"];
// --- save, preview, import, export ----------------------------------------------------------------------------
export async function save(base) {
  const doc = toDocument();
  saveState.textContent = "saving…";
  problemsBox.replaceChildren();
  const response = await fetch(`/manage/layouts/${root.dataset.layout}/versions`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
    body: JSON.stringify({ base_version: base, document: doc }),
  });
  const body = await response.json().catch(() => ({}));
  if (response.status === 201) {
    ed.version = body.version;
    ed.dirty = false;
    saveState.textContent = `saved as version ${ed.version}`;
    document.querySelector("[data-testid=design-version]").textContent = `version ${ed.version}`;
  } else if (response.status === 409) {
    saveState.textContent = "not saved";
    problemsBox.innerHTML = markup`<p>${body.detail}</p><button type="button" data-overwrite="${body.latest_version}">Save mine as version ${body.latest_version + 1}</button> <button type="button" class="secondary" data-download>Download mine</button>`;
  } else if (response.status === 422 && body.problems) {
    saveState.textContent = "not saved";
    showProblems(body.problems);
  } else {
    saveState.textContent = "not saved";
    problemsBox.textContent = body.detail || `The server answered ${response.status}; nothing was lost, try again.`;
  }
}

function showProblems(problems) {
  const items = problems.map((p, n) => markup`<li><button type="button" class="link" data-problem="${n}">${p.path}${p.element ? ` (${p.element})` : ""}</button>: ${p.message}</li>`);
  problemsBox.innerHTML = markup`<p><strong>${problems.length} problem${problems.length === 1 ? "" : "s"} to fix before saving:</strong></p><ul>${items}</ul>`;
  problemsBox.problems = problems;
  for (const circle of drawing.querySelectorAll("circle.seat")) {
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
    // A problem of the layout as a whole (a category, say) has nothing to select.
    if (match) {
      const seat = ed.built[Number(match[1])][Number(match[2])]?.seats[Number(match[3])];
      select({ seats: seat ? [`${match[1]}:${seat.id}`] : ed.selection });
    } else if (area) select({ area: Number(area[1]) });
    else if (section) select({ section: Number(section[1]) });
  }
});

export function download() {
  const blob = new Blob([JSON.stringify(toDocument(), null, 1)], { type: "application/json" });
  const link = Object.assign(document.createElement("a"), { href: URL.createObjectURL(blob), download: `${ed.state.name || "layout"}.json` });
  link.click();
  URL.revokeObjectURL(link.href);
}

export async function preview() {
  const response = await fetch(`/manage/layouts/${root.dataset.layout}/preview`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
    body: JSON.stringify(toDocument()),
  });
  document.getElementById("preview-body").innerHTML = await response.text(); // the server's renderer, escaped there
  document.getElementById("preview-dialog").showModal();
}

document.getElementById("import-file").addEventListener("change", async (event) => {
  const file = event.target.files[0];
  if (!file) return;
  try {
    const doc = JSON.parse(await file.text());
    if (!Array.isArray(doc.sections) || !Array.isArray(doc.categories)) throw new Error("not a seat map");
    load(doc);
  } catch (error) {
    problemsBox.textContent = `That file is not a seat map (${error.message}).`;
  }
  event.target.value = "";
});
