// The dashboard's behaviour on every page. Pages work without it; this adds
// the live parts (TV status, session end in other tabs) and conveniences.

import { requestJSON, toLogin } from "./http.js";

const TV_POLL_MS = 10000;
const SESSION_CHECK_MS = 30000;
const channel = "BroadcastChannel" in window ? new BroadcastChannel("expotv-painel") : null;

function setupMenu() {
  const toggle = document.querySelector("[data-menu-toggle]");
  const menu = document.getElementById("menu");
  const scrim = document.querySelector("[data-menu-scrim]");
  if (!toggle || !menu || !scrim) return;
  const setOpen = (open) => {
    menu.classList.toggle("is-open", open);
    scrim.hidden = !open;
    toggle.setAttribute("aria-expanded", String(open));
    if (open) menu.querySelector("a")?.focus();
  };
  toggle.addEventListener("click", () => setOpen(!menu.classList.contains("is-open")));
  scrim.addEventListener("click", () => setOpen(false));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && menu.classList.contains("is-open")) {
      setOpen(false);
      toggle.focus();
    }
  });
}

function setupConfirm() {
  document.addEventListener("submit", (event) => {
    const form = event.target;
    const question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  });
}

async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  // Plain http on a local network has no Clipboard API.
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.className = "sr-only";
  document.body.appendChild(area);
  area.select();
  document.execCommand("copy");
  area.remove();
}

function setupCopy() {
  for (const button of document.querySelectorAll("[data-copy]")) {
    button.addEventListener("click", async () => {
      const source = button.parentElement.querySelector("[data-copy-source]");
      const label = button.querySelector("[data-copy-label]");
      try {
        await copyText(source.textContent.trim());
        if (label) label.textContent = "Copiado";
      } catch {
        if (label) label.textContent = "Copie à mão";
      }
      setTimeout(() => {
        if (label) label.textContent = "Copiar";
      }, 2500);
    });
  }
}

function applyTvState(element, state) {
  const badge = element.querySelector("[data-tv-status]");
  if (badge) {
    badge.className = "badge badge-" + state.status;
    badge.textContent = state.status_texto;
  }
  const ping = element.querySelector("[data-tv-ping]");
  if (ping) ping.textContent = state.ultimo_ping_texto;
}

function setupTvPolling() {
  const cards = [...document.querySelectorAll("[data-tv-poll] [data-tv]")];
  if (!cards.length) return false;
  const ids = [...new Set(cards.map((card) => card.dataset.tv))];
  const poll = async () => {
    if (document.hidden) return;
    try {
      const body = await requestJSON("/painel/tvs/status.json?ids=" + ids.join(","));
      for (const state of body.tvs) {
        for (const card of cards) {
          if (card.dataset.tv === String(state.id)) applyTvState(card, state);
        }
      }
    } catch {
      // A failed poll leaves the last known state; the next one retries.
    }
  };
  setInterval(poll, TV_POLL_MS);
  document.addEventListener("visibilitychange", poll);
  return true;
}

// A logout in another tab (or anywhere) ends this page too.
function setupSessionWatch(polling) {
  if (document.querySelector("[data-signed-out]")) {
    // Told only now that the server has ended the session: a tab that moved
    // earlier would still find it alive.
    channel?.postMessage("saiu");
    return;
  }
  if (!document.querySelector("[data-logout]")) return;
  const check = async () => {
    if (document.hidden) return;
    try {
      await requestJSON("/painel/sessao.json");
    } catch {
      // 401 already moved to the sign-in form; other errors retry later.
    }
  };
  document.addEventListener("visibilitychange", check);
  if (!polling) setInterval(check, SESSION_CHECK_MS);
  channel?.addEventListener("message", (event) => {
    if (event.data === "saiu") toLogin();
  });
}

// dd/mm/aaaa HH:MM typed as digits: the separators appear by themselves.
function formatDateDigits(digits) {
  const parts = [digits.slice(0, 2), digits.slice(2, 4), digits.slice(4, 8)];
  let text = parts.filter(Boolean).join("/");
  if (digits.length > 8) text += " " + digits.slice(8, 10);
  if (digits.length > 10) text += ":" + digits.slice(10, 12);
  return text;
}

function setupDateFields() {
  for (const input of document.querySelectorAll("[data-datetime]")) {
    input.addEventListener("input", (event) => {
      if (event.inputType && event.inputType.startsWith("delete")) return;
      const digits = input.value.replace(/\D/g, "").slice(0, 12);
      input.value = formatDateDigits(digits);
    });
  }
  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-fill]");
    if (!button) return;
    const input = document.getElementById(button.dataset.fill);
    input.value = button.dataset.value;
    input.dispatchEvent(new Event("change", { bubbles: true }));
    input.focus();
  });
}

function setupCounters() {
  for (const area of document.querySelectorAll("[data-counter]")) {
    const shown = document.querySelector("[data-counter-text]");
    area.addEventListener("input", () => {
      shown.textContent = area.value.length.toLocaleString("pt-BR");
    });
  }
}

function dropFlashFromAddress() {
  const url = new URL(location.href);
  if (url.searchParams.has("ok")) {
    url.searchParams.delete("ok");
    history.replaceState(null, "", url.pathname + url.search + url.hash);
  }
}

setupMenu();
setupConfirm();
setupCopy();
setupDateFields();
setupCounters();
setupSessionWatch(setupTvPolling());
dropFlashFromAddress();

if (document.querySelector("[data-loop-form]")) import("./loop.js");
if (document.querySelector("[data-upload]")) import("./upload.js");
if (document.querySelector("[data-item-poll]")) import("./items.js");
if (document.querySelector("[data-windows]")) import("./windows.js");
