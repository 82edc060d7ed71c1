// Anúncio and aviso forms: drag and drop, a check of the file's type and size
// against the server's limits before sending, an upload progress bar, and the
// API's refusals shown next to the field they name.

import { marked } from "./dom.js";
import { capitalize, csrfToken, toLogin } from "./http.js";

const IMAGE_TYPES = ["png", "jpg", "jpeg", "webp", "gif"];
const VIDEO_TYPES = ["mp4", "mov", "webm", "mkv", "avi"];
const ACCEPTED = "PNG, JPEG, WebP, GIF, MP4, MOV, WebM, MKV ou AVI";

function formatBytes(size) {
  if (size >= 1024 * 1024) {
    const value = size / (1024 * 1024);
    return (Number.isInteger(value) ? value : value.toFixed(1)).toString().replace(".", ",") + " MB";
  }
  return Math.max(1, Math.round(size / 1024)) + " KB";
}

function kindOf(file) {
  const extension = file.name.includes(".") ? file.name.split(".").pop().toLowerCase() : "";
  if (file.type.startsWith("image/") || IMAGE_TYPES.includes(extension)) return "imagem";
  if (file.type.startsWith("video/") || VIDEO_TYPES.includes(extension)) return "video";
  return null;
}

function problemWith(form, file) {
  const kind = kindOf(file);
  if (!kind) return "Tipo de arquivo não aceito: envie " + ACCEPTED + ".";
  const limit = Number(form.dataset[kind === "imagem" ? "maxImageBytes" : "maxVideoBytes"]);
  if (file.size > limit) {
    const label = form.dataset[kind === "imagem" ? "maxImage" : "maxVideo"];
    const what = kind === "imagem" ? "imagens" : "vídeos";
    return "Arquivo grande demais (" + formatBytes(file.size) + "): o limite para " + what + " é " + label + ".";
  }
  return "";
}

function errorSlot(form, field) {
  return form.querySelector('[data-error-for="' + field + '"]');
}

function setError(form, field, message) {
  let slot = errorSlot(form, field);
  if (!slot) {
    slot = errorSlot(form, "");
    field = "";
  }
  if (field === "") {
    slot.replaceChildren();
    if (message) {
      const box = document.createElement("div");
      box.className = "flash flash-error";
      box.textContent = capitalize(message);
      slot.appendChild(box);
    }
  } else {
    slot.textContent = message ? capitalize(message) : "";
  }
  const input = field && form.querySelector('[name="' + field + '"]:not([type=hidden])');
  if (input) {
    if (message) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }
  return input;
}

function clearErrors(form) {
  for (const slot of form.querySelectorAll("[data-error-for]")) {
    setError(form, slot.dataset.errorFor, "");
  }
}

function showRefusal(form, status, body) {
  let first = null;
  if (body && Array.isArray(body.detail)) {
    for (const error of body.detail) {
      const names = (error.loc || []).filter((part) => typeof part === "string" && part !== "body");
      const input = setError(form, names.length ? names[0] : "", error.msg);
      first = first || input;
    }
  } else {
    const message = body && typeof body.detail === "string" ? body.detail : "Não foi possível salvar. Tente de novo.";
    const field = (body && body.campo) || (status === 413 || status === 415 ? "arquivo" : "");
    first = setError(form, field, message);
  }
  (first || errorSlot(form, "")).scrollIntoView({ block: "center" });
  if (first) first.focus();
}

async function drawPreview(canvas, file) {
  const context = canvas.getContext("2d");
  context.fillStyle = "#1b2238";
  context.fillRect(0, 0, canvas.width, canvas.height);
  if (kindOf(file) === "imagem" && "createImageBitmap" in window) {
    try {
      // Drawn on a canvas: no object URL, so the page's strict CSP stays as is.
      const bitmap = await createImageBitmap(file);
      const scale = Math.min(canvas.width / bitmap.width, canvas.height / bitmap.height);
      const width = bitmap.width * scale;
      const height = bitmap.height * scale;
      context.drawImage(bitmap, (canvas.width - width) / 2, (canvas.height - height) / 2, width, height);
      bitmap.close();
      return;
    } catch {
      // Not decodable here: the server will say why.
    }
  }
  context.fillStyle = "#ffffff";
  context.beginPath();
  context.moveTo(canvas.width / 2 - 14, canvas.height / 2 - 18);
  context.lineTo(canvas.width / 2 + 20, canvas.height / 2);
  context.lineTo(canvas.width / 2 - 14, canvas.height / 2 + 18);
  context.fill();
}

function setup(form) {
  const [input, zone, chosen, progress, submit] = marked(
    form, "file", "dropzone", "file-chosen", "progress", "submit",
  );
  const bar = progress.querySelector("progress");
  const text = progress.querySelector("[data-progress-text]");

  const showChosen = () => {
    const file = input.files[0];
    setError(form, "arquivo", "");
    if (!file) {
      chosen.hidden = true;
      zone.hidden = false;
      return;
    }
    chosen.querySelector("[data-file-name]").textContent = file.name;
    chosen.querySelector("[data-file-info]").textContent =
      (kindOf(file) === "video" ? "Vídeo" : "Imagem") + " · " + formatBytes(file.size);
    drawPreview(chosen.querySelector("[data-file-preview]"), file);
    chosen.hidden = false;
    zone.hidden = true;
    const problem = problemWith(form, file);
    if (problem) setError(form, "arquivo", problem);
  };

  input.addEventListener("change", showChosen);
  // Chosen before this module loaded (a slow phone): show it now.
  if (input.files.length) showChosen();
  chosen.querySelector("[data-file-clear]").addEventListener("click", () => {
    input.value = "";
    showChosen();
    input.focus();
  });
  for (const type of ["dragenter", "dragover"]) {
    zone.addEventListener(type, (event) => {
      event.preventDefault();
      zone.classList.add("is-over");
    });
  }
  zone.addEventListener("dragleave", () => zone.classList.remove("is-over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("is-over");
    if (event.dataTransfer && event.dataTransfer.files.length) {
      input.files = event.dataTransfer.files;
      showChosen();
    }
  });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearErrors(form);
    const file = input.files[0];
    const problem = file ? problemWith(form, file) : "";
    if (problem) {
      setError(form, "arquivo", problem).focus();
      return;
    }
    send(form, { file, progress, bar, text, submit });
  });
}

function send(form, parts) {
  const { file, progress, bar, text, submit } = parts;
  const request = new XMLHttpRequest();
  request.open("POST", form.action);
  request.setRequestHeader("Accept", "application/json");
  request.setRequestHeader("X-CSRF-Token", csrfToken());
  request.responseType = "json";
  submit.disabled = true;
  bar.value = 0;
  text.textContent = file ? "0% · 0 de " + formatBytes(file.size) : "Salvando…";
  progress.hidden = false;
  request.upload.addEventListener("progress", (event) => {
    if (!event.lengthComputable) return;
    const percent = Math.floor((event.loaded / event.total) * 100);
    bar.value = percent;
    text.textContent = percent + "% · " + formatBytes(event.loaded) + " de " + formatBytes(event.total);
  });
  request.addEventListener("load", () => {
    if (request.status === 401) {
      toLogin();
      return;
    }
    if (request.status >= 200 && request.status < 300) {
      bar.value = 100;
      text.textContent = "Pronto. Abrindo…";
      location.assign(request.response.destino);
      return;
    }
    progress.hidden = true;
    submit.disabled = false;
    showRefusal(form, request.status, request.response);
  });
  request.addEventListener("error", () => {
    progress.hidden = true;
    submit.disabled = false;
    setError(form, "", "Não foi possível enviar: verifique a conexão e tente de novo.");
  });
  request.send(new FormData(form));
}

for (const form of document.querySelectorAll("form[data-upload]")) setup(form);
