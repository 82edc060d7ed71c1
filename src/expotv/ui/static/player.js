/* EXPO TV player. ES5 only: it runs on the old browsers built into TVs.
 *
 * Loop: fetch the playlist (ETag / If-None-Match), play its items one after the
 * other, ping every `pingSeconds`, and refetch when the ping or the WebSocket
 * says the version changed. Also polls, in case the socket drops. The last
 * playlist is kept in localStorage so a reboot during an outage still plays.
 */
(function () {
  "use strict";

  var cfg = window.EXPOTV;
  var STORE_KEY = "expotv:playlist:" + cfg.codigo;
  var POLL_MS = 60000;
  var MEDIA_TIMEOUT_MS = 15000;

  var stage = document.getElementById("stage");
  var statusEl = document.getElementById("status");
  var idleText = document.getElementById("idle-text");

  var state = {
    items: [],
    versao: null,
    index: -1,
    timer: null,
    playing: false,
    socket: null,
    socketRetryMs: 1000
  };

  function setStatus(text) {
    statusEl.textContent = text || "";
  }

  function request(method, url, body, headers, done) {
    var xhr = new XMLHttpRequest();
    xhr.open(method, url, true);
    xhr.timeout = 10000;
    var name;
    for (name in headers) {
      if (headers.hasOwnProperty(name)) {
        xhr.setRequestHeader(name, headers[name]);
      }
    }
    xhr.onreadystatechange = function () {
      if (xhr.readyState === 4) {
        done(xhr.status, xhr);
      }
    };
    xhr.ontimeout = function () {
      done(0, xhr);
    };
    xhr.send(body || null);
  }

  function save(data) {
    try {
      window.localStorage.setItem(STORE_KEY, JSON.stringify(data));
    } catch (e) { /* storage full or disabled: keep playing from memory */ }
  }

  function restore() {
    try {
      var raw = window.localStorage.getItem(STORE_KEY);
      return raw ? JSON.parse(raw) : null;
    } catch (e) {
      return null;
    }
  }

  function applyPlaylist(data) {
    var wasEmpty = state.items.length === 0;
    state.items = data.itens || [];
    state.versao = data.versao;
    stage.setAttribute("data-versao", state.versao || "");
    if (state.index >= state.items.length) {
      state.index = -1;
    }
    if (wasEmpty || !state.playing) {
      next();
    }
  }

  function load() {
    var headers = {};
    if (state.versao) {
      headers["If-None-Match"] = "\"" + state.versao + "\"";
    }
    request("GET", cfg.contentUrl, null, headers, function (status, xhr) {
      if (status === 200) {
        var data;
        try {
          data = JSON.parse(xhr.responseText);
        } catch (e) {
          return;
        }
        save(data);
        applyPlaylist(data);
        setStatus("");
      } else if (status === 304) {
        setStatus("");
      } else if (status === 404) {
        showIdle("Esta TV foi removida do EXPO TV.");
      } else {
        setStatus("sem conexão");
        if (!state.items.length) {
          var cached = restore();
          if (cached) {
            applyPlaylist(cached);
          }
        }
      }
    });
  }

  function ping() {
    var body = JSON.stringify({
      versao: state.versao,
      app_versao: "web-1",
      resolucao: window.screen ? window.screen.width + "x" + window.screen.height : null
    });
    request("POST", cfg.pingUrl, body, { "Content-Type": "application/json" },
      function (status, xhr) {
        if (status !== 200) {
          return;
        }
        try {
          var data = JSON.parse(xhr.responseText);
          if (data.versao && data.versao !== state.versao) {
            load();
          }
        } catch (e) { /* ignore a bad answer; the next ping retries */ }
      });
  }

  function connectSocket() {
    if (!window.WebSocket) {
      return;
    }
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket;
    try {
      socket = new window.WebSocket(scheme + window.location.host + cfg.wsPath);
    } catch (e) {
      return;
    }
    state.socket = socket;
    socket.onopen = function () {
      state.socketRetryMs = 1000;
    };
    socket.onmessage = function (event) {
      var msg;
      try {
        msg = JSON.parse(event.data);
      } catch (e) {
        return;
      }
      if ((msg.evento === "conteudo_atualizado" || msg.evento === "conectado") &&
          msg.versao && msg.versao !== state.versao) {
        load();
      }
    };
    socket.onclose = function (event) {
      state.socket = null;
      if (event.code === 4404) {
        return;
      }
      window.setTimeout(connectSocket, state.socketRetryMs);
      state.socketRetryMs = Math.min(state.socketRetryMs * 2, 60000);
    };
  }

  function clearStage() {
    var old = stage.querySelectorAll(".slide");
    var i;
    for (i = 0; i < old.length; i++) {
      var video = old[i].querySelector("video");
      if (video) {
        video.pause();
        video.removeAttribute("src");
        video.load();
      }
      stage.removeChild(old[i]);
    }
  }

  function showIdle(text) {
    clearStage();
    state.playing = false;
    idleText.textContent = text;
    stage.setAttribute("data-state", "vazio");
  }

  function schedule(ms) {
    window.clearTimeout(state.timer);
    state.timer = window.setTimeout(next, ms);
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text) {
      node.textContent = text;
    }
    return node;
  }

  function kindLabel(tipo) {
    return { aviso: "Aviso", anuncio: "Anúncio", noticia: "Notícia" }[tipo] || "";
  }

  function render(item) {
    var slide = el("div", "slide");
    var seconds = Math.max(1, item.duracao || 10);
    slide.setAttribute("data-tipo", item.tipo);
    slide.setAttribute("data-id", String(item.id));

    if (item.archive_url && item.tipo_midia === "video") {
      var video = el("video", "media");
      video.muted = true;
      video.autoplay = true;
      video.setAttribute("playsinline", "");
      video.setAttribute("muted", "");
      if (item.thumbnail_url) {
        video.poster = item.thumbnail_url;
      }
      video.onended = next;
      video.onerror = function () { schedule(500); };
      video.src = item.archive_url;
      slide.appendChild(video);
      // A stalled video must not freeze the TV: move on after its duration.
      schedule(seconds * 1000 + MEDIA_TIMEOUT_MS);
    } else if (item.archive_url) {
      var img = el("img", "media");
      img.alt = item.titulo || "";
      img.onerror = function () { schedule(500); };
      img.src = item.archive_url;
      slide.appendChild(img);
      schedule(seconds * 1000);
    } else {
      var card = el("div", "card");
      card.appendChild(el("div", "kind", kindLabel(item.tipo)));
      card.appendChild(el("div", "title", item.titulo || ""));
      if (item.mensagem) {
        card.appendChild(el("div", "message", item.mensagem));
      }
      slide.appendChild(card);
      schedule(seconds * 1000);
    }
    if (item.archive_url && item.mensagem) {
      slide.appendChild(el("div", "caption", item.mensagem));
    }
    clearStage();
    stage.appendChild(slide);
    stage.setAttribute("data-state", "tocando");
  }

  function next() {
    window.clearTimeout(state.timer);
    if (!state.items.length) {
      showIdle("Nenhum conteúdo para exibir no momento.");
      return;
    }
    state.playing = true;
    state.index = (state.index + 1) % state.items.length;
    render(state.items[state.index]);
  }

  var cached = restore();
  if (cached) {
    applyPlaylist(cached);
  }
  load();
  connectSocket();
  window.setInterval(load, POLL_MS);
  window.setInterval(ping, Math.max(5, cfg.pingSeconds) * 1000);
  ping();
}());
