// The proportion editor's live preview: each change asks the server for the
// loop those proportions would give (the same interleaving the TVs get).

import { marked } from "./dom.js";
import { errorText, requestJSON } from "./http.js";

const DEBOUNCE_MS = 250;
const [form, list, total, duration, counts, bar] = marked(
  document, "loop-form", "loop", "loop-total", "loop-duration", "loop-counts", "loop-bar",
);
const SVG = "http://www.w3.org/2000/svg";
const status = form.querySelector("[data-loop-status]");
const inputs = [...form.querySelectorAll("[data-ratio]")];
const iconsUrl = document.body.dataset.icons;
let timer = null;
let sequence = 0;

function slotElement(item) {
  const li = document.createElement("li");
  li.className = "slot slot-" + item.tipo;
  const thumb = document.createElement("div");
  thumb.className = "slot-thumb";
  if (item.thumbnail_url) {
    const img = document.createElement("img");
    img.src = item.thumbnail_url;
    img.alt = "";
    img.loading = "lazy";
    thumb.appendChild(img);
  } else {
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("class", "icon");
    svg.setAttribute("aria-hidden", "true");
    const use = document.createElementNS(SVG, "use");
    use.setAttribute("href", iconsUrl + "#" + item.tipo);
    svg.appendChild(use);
    thumb.appendChild(svg);
  }
  const text = document.createElement("div");
  text.className = "slot-text";
  const title = document.createElement("div");
  title.className = "slot-title";
  title.textContent = item.titulo;
  const meta = document.createElement("div");
  meta.className = "slot-meta";
  meta.textContent = item.rotulo + " · " + formatSeconds(item.duracao);
  text.append(title, meta);
  li.append(thumb, text);
  return li;
}

function segmentElement(segment) {
  const rect = document.createElementNS(SVG, "rect");
  rect.setAttribute("class", "seg seg-" + segment.tipo);
  rect.setAttribute("x", segment.x);
  rect.setAttribute("y", "0");
  rect.setAttribute("width", segment.largura);
  rect.setAttribute("height", "28");
  const title = document.createElementNS(SVG, "title");
  title.textContent = segment.titulo;
  rect.appendChild(title);
  return rect;
}

function formatSeconds(seconds) {
  if (seconds < 60) return seconds + " s";
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  return rest ? minutes + " min " + String(rest).padStart(2, "0") + " s" : minutes + " min";
}

function showError(name, message) {
  for (const element of form.querySelectorAll("[data-error-for]")) {
    element.textContent = element.dataset.errorFor === name ? message : "";
  }
  for (const input of inputs) {
    input.toggleAttribute("aria-invalid", Boolean(message) && input.name === name);
  }
}

async function refresh() {
  const mine = ++sequence;
  const query = new URLSearchParams();
  for (const input of inputs) query.set(input.name, input.value.trim() || "0");
  list.setAttribute("aria-busy", "true");
  try {
    const body = await requestJSON(form.dataset.previewUrl + "?" + query);
    if (mine !== sequence) return;
    showError("", "");
    list.replaceChildren(...body.itens.map(slotElement));
    const count = body.total_itens;
    total.textContent = count + (count === 1 ? " item" : " itens");
    duration.textContent = body.duracao_texto;
    counts.textContent = body.contagem_texto;
    bar.replaceChildren(...body.faixa.map(segmentElement));
    bar.setAttribute("aria-label", "O ciclo em proporção do tempo de tela: " + (body.contagem_texto || "vazio"));
    document.querySelector("[data-loop-empty]")?.remove();
    if (status) status.textContent = "Prévia atualizada. Salve para aplicar nas TVs.";
  } catch (error) {
    if (mine !== sequence) return;
    const detail = error.body && error.body.detail;
    const field = Array.isArray(detail) && detail[0].loc ? detail[0].loc.at(-1) : "proporcao_anuncios";
    showError(String(field), errorText(error.body));
  } finally {
    if (mine === sequence) list.removeAttribute("aria-busy");
  }
}

for (const input of inputs) {
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, DEBOUNCE_MS);
  });
}

// Typed before this module loaded (a slow phone): preview what is there now.
if (inputs.some((input) => input.value !== input.defaultValue)) refresh();
