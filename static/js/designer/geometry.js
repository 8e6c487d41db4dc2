// Pure geometry and numbering of the designer: how a drawn section becomes rows of seats.

const LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LETTERS_NO_IO = "ABCDEFGHJKLMNPQRSTUVWXYZ"; // I and O read as 1 and 0

export function rowLabel(index, scheme, skipIO, start) {
  const n = index + Math.max(1, start) - 1;
  if (scheme === "numbers") return String(n + 1);
  const alphabet = skipIO ? LETTERS_NO_IO : LETTERS;
  let label = "";
  let k = n;
  do {
    label = alphabet[k % alphabet.length] + label;
    k = Math.floor(k / alphabet.length) - 1;
  } while (k >= 0);
  return label;
}

// Seat numbers for `count` seats in left-to-right order.
export function seatNumbers(count, direction, start) {
  const first = Number.isFinite(start) ? start : 1;
  if (direction === "rtl") return Array.from({ length: count }, (_, i) => String(first + count - 1 - i));
  if (direction === "oddeven") {
    // Odd numbers on the left counting down to the centre, even numbers on the right counting up from it.
    const left = Math.floor(count / 2);
    return Array.from({ length: count }, (_, i) =>
      String(i < left ? first + 2 * (left - 1 - i) : first + 1 + 2 * (i - left)));
  }
  return Array.from({ length: count }, (_, i) => String(first + i));
}

// Positions of a grid section's seats: rows centred on (x, y), bent by `curve` (-100..100), rotated.
export function gridPositions(section) {
  const bend = section.curve / 100 / 800; // 100 = a strong arc over a few hundred units
  const angle = (section.rotation * Math.PI) / 180;
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  return section.rowCounts.map((count, r) =>
    Array.from({ length: count }, (_, i) => {
      const lx = (i - (count - 1) / 2) * section.seatSpacing;
      const ly = r * section.rowSpacing + bend * lx * lx;
      return [round(section.x + lx * cos - ly * sin), round(section.y + lx * sin + ly * cos)];
    }));
}

const round = (v) => Math.round(v * 10) / 10;

// The rows of a grid section as the seat-map format has them; deleted seats leave gaps and are not numbered.
export function gridRows(section) {
  const positions = gridPositions(section);
  const rows = [];
  positions.forEach((row, r) => {
    const kept = row.map((xy, i) => [xy, i]).filter(([, i]) => !section.overrides[`${r}:${i}`]?.deleted);
    if (!kept.length) return;
    const label = rowLabel(r, section.rowScheme, section.skipIO, section.rowStart);
    const numbers = seatNumbers(kept.length, section.direction, section.seatStart);
    rows.push({
      label,
      seats: kept.map(([[x, y], i], n) => {
        const over = section.overrides[`${r}:${i}`] || {};
        return {
          id: `${r}:${i}`,
          key: `${section.key}-${label}-${numbers[n]}`,
          number: numbers[n],
          x, y,
          category: over.category || section.category,
          flags: over.flags || [],
        };
      }),
    });
  });
  return rows;
}
