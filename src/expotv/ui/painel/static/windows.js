// "Outro horário": one more row of weekly window inputs (the form shows the
// item's windows and one empty row; without this script, save to get another).

const area = document.querySelector("[data-windows]");
const button = document.querySelector("[data-add-window]");
const MAX_ROWS = 50;

function renumber(row, index) {
  for (const input of row.querySelectorAll("input")) {
    input.name = input.name.replace(/^horario-\d+-/, "horario-" + index + "-");
    if (input.type === "checkbox") input.checked = false;
    else input.value = "";
    const label = input.getAttribute("aria-label");
    if (label) input.setAttribute("aria-label", label.replace(/\d+$/, String(index + 1)));
  }
  const legend = row.querySelector("legend");
  if (legend) legend.textContent = "Horário " + (index + 1);
  const days = row.querySelector(".days");
  if (days) days.setAttribute("aria-label", "Dias do horário " + (index + 1));
}

button.addEventListener("click", () => {
  const rows = area.querySelectorAll("[data-window]");
  if (rows.length >= MAX_ROWS) return;
  const row = rows[rows.length - 1].cloneNode(true);
  renumber(row, rows.length);
  area.appendChild(row);
  row.querySelector("input").focus();
});
