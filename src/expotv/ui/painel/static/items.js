// Items being converted (status "processando") turn into "ativo" or "erro" on
// the page by themselves: their status and thumbnail are asked every few
// seconds until none is left waiting.

import { requestJSON } from "./http.js";

const POLL_MS = 2000;

function update(element, state) {
  const wasWaiting = element.dataset.status === "processando";
  element.dataset.status = state.status;
  const badge = element.querySelector("[data-item-status] .badge");
  if (badge) {
    badge.className = "badge badge-" + state.status;
    badge.dataset.status = state.status;
    badge.textContent = state.status_texto;
  }
  const thumb = element.querySelector("[data-item-thumb]");
  if (thumb && state.thumbnail_url && !thumb.querySelector("img")) {
    const image = document.createElement("img");
    image.src = state.thumbnail_url;
    image.alt = "";
    thumb.querySelector(".icon")?.remove();
    thumb.prepend(image);
  }
  return wasWaiting && state.status !== "processando";
}

function watch(area) {
  const tick = async () => {
    const waiting = [...area.querySelectorAll('[data-item][data-status="processando"]')];
    if (!waiting.length) return;
    try {
      const ids = waiting.map((element) => element.dataset.item).join(",");
      const body = await requestJSON(area.dataset.itemPoll + "?ids=" + ids);
      let finished = false;
      for (const state of body.itens) {
        for (const element of waiting) {
          if (element.dataset.item === String(state.id)) finished = update(element, state) || finished;
        }
      }
      // An item's own page shows the converted media: load it again.
      if (finished && area.hasAttribute("data-reload-when-done")) location.reload();
    } catch {
      // Asked again at the next tick.
    }
    setTimeout(tick, POLL_MS);
  };
  setTimeout(tick, POLL_MS);
}

for (const area of document.querySelectorAll("[data-item-poll]")) watch(area);
