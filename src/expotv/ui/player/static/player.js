/* EXPO TV player. ES5 only, no library: it runs on the old browsers built into TVs,
 * 24 hours a day.
 *
 *   config (JSON block in the page) ──> load(): GET content (ETag) ──> playlist
 *   playlist ──> prepare(next) in the hidden layer ──ready──> swap (cross-fade)
 *                      └─ media that does not load in time is skipped, retried next loop
 *   ping (not in preview) / WebSocket nudge / poll / valido_ate ──> load()
 *
 * Double buffering: two layers; the next item is built, its picture decoded or its
 * video buffered (canplaythrough) while the current one plays. Its duration counts
 * from the moment it is visible. Every timer has a name and at most one is pending
 * per name, so nothing accumulates over days of looping; a layer is emptied (media
 * released) before it is reused, so the DOM stays the same size.
 *
 * Offline: the last playlist is kept in localStorage, and a service worker (/tv/sw.js)
 * keeps the page, this script and the playlist's media in Cache Storage; without a
 * service worker, preloading keeps the HTTP cache warm. Preview mode (?preview=1,
 * what the dashboard embeds) plays the same loop but never pings, never registers
 * the service worker and never writes the TV's local copy.
 */
(function () {
  "use strict";

  var cfg = JSON.parse(document.getElementById("expotv-config").textContent);

  var FADE_MS = 600;
  // How long the current item stays up, past its end, waiting for a late next one.
  var WAIT_MS = 8000;
  var POLL_MS = 60000;
  var RETRY_MIN_MS = 2000;
  var RETRY_MAX_MS = 300000;
  var SOCKET_MIN_MS = 1000;
  var SOCKET_MAX_MS = 60000;
  var REQUEST_TIMEOUT_MS = 15000;
  var PAGE_MIN_MS = 4000;
  var STORE_KEY = "expotv:playlist:" + cfg.codigo;
  // Font sizes in hundredths of the screen's shorter side. The minimum is what reads
  // from 3 m on a 40-50" screen (36 px at 1080p, 24 px at 720p).
  var SIZES = {
    title: { max: 8.2, min: 4.4 },
    titleEmergency: { max: 10, min: 5 },
    text: { max: 5.4, min: 3.34 },
    caption: { max: 4.4, min: 3.34 }
  };
  var STEP = 0.92;

  var stage = document.getElementById("stage");
  var idleText = document.getElementById("idle-text");
  var corner = document.getElementById("corner");
  var cornerName = document.getElementById("corner-name");
  var cornerClock = document.getElementById("corner-clock");
  var layers = [document.getElementById("layer-a"), document.getElementById("layer-b")];

  var state = {
    items: [],
    versao: null,
    modo: "normal",
    validoAte: null,
    index: -1,          // position of the item on screen
    current: null,      // buffer on screen
    next: null,         // buffer being prepared
    waiting: false,     // the current item has ended; the next is late
    leaving: null,      // layer fading out
    attempts: 0,        // items tried in a row without one becoming ready
    socket: null,
    pingMs: Math.max(5, cfg.intervaloPing || 30) * 1000
  };

  // Timers -------------------------------------------------------------------
  var timers = {};

  function later(name, fn, ms) {
    cancel(name);
    timers[name] = window.setTimeout(function () {
      timers[name] = null;
      fn();
    }, Math.max(0, ms));
  }

  function cancel(name) {
    if (timers[name]) {
      window.clearTimeout(timers[name]);
      timers[name] = null;
    }
  }

  function now() {
    return new Date().getTime();
  }

  // Exponential backoff with jitter: a fleet of TVs does not retry in step.
  function Backoff(minMs, maxMs) {
    this.minMs = minMs;
    this.maxMs = maxMs;
    this.attempt = 0;
  }
  Backoff.prototype.next = function () {
    var cap = Math.min(this.maxMs, this.minMs * Math.pow(2, this.attempt));
    this.attempt = Math.min(this.attempt + 1, 30);
    return Math.round(cap / 2 + Math.random() * cap / 2);
  };
  Backoff.prototype.reset = function () {
    this.attempt = 0;
  };

  var contentBackoff = new Backoff(RETRY_MIN_MS, RETRY_MAX_MS);
  var pingBackoff = new Backoff(RETRY_MIN_MS, RETRY_MAX_MS);
  var socketBackoff = new Backoff(SOCKET_MIN_MS, SOCKET_MAX_MS);

  function jitter(ms) {
    return Math.round(ms * (0.85 + Math.random() * 0.3));
  }

  // HTTP ---------------------------------------------------------------------
  function request(method, url, body, headers, done) {
    var xhr = new XMLHttpRequest();
    var finished = false;
    function finish(status) {
      if (finished) {
        return;
      }
      finished = true;
      xhr.onreadystatechange = null;
      xhr.ontimeout = null;
      xhr.onerror = null;
      done(status, xhr);
    }
    xhr.open(method, url, true);
    xhr.timeout = REQUEST_TIMEOUT_MS;
    var name;
    for (name in headers) {
      if (headers.hasOwnProperty(name)) {
        xhr.setRequestHeader(name, headers[name]);
      }
    }
    xhr.onreadystatechange = function () {
      if (xhr.readyState === 4) {
        finish(xhr.status);
      }
    };
    xhr.ontimeout = function () {
      finish(0);
    };
    xhr.onerror = function () {
      finish(0);
    };
    xhr.send(body || null);
  }

  function resolve(url) {
    var a = document.createElement("a");
    a.href = url;
    return a.href;
  }

  function setOnline(isOnline) {
    corner.setAttribute("data-conexao", isOnline ? "on" : "off");
  }

  // Local copy of the playlist -----------------------------------------------
  function save(data) {
    if (cfg.preview) {
      return;
    }
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

  // Playlist -----------------------------------------------------------------
  function keyOf(item) {
    return item ? item.tipo + ":" + item.id : "";
  }

  function applyPlaylist(data) {
    var oldModo = state.modo;
    var currentKey = state.current ? keyOf(state.current.item) : "";
    state.items = data.itens || [];
    state.versao = data.versao || null;
    state.modo = data.modo === "emergencia" ? "emergencia" : "normal";
    state.validoAte = data.valido_ate ? parseTime(data.valido_ate) : null;
    stage.setAttribute("data-versao", state.versao || "");
    stage.setAttribute("data-modo", state.modo);
    if (data.tv) {
      cornerName.textContent = data.tv.condominio_nome || "";
    }
    // Keep the place in the loop: continue after the item on screen.
    state.index = -1;
    var i;
    for (i = 0; i < state.items.length; i++) {
      if (keyOf(state.items[i]) === currentKey) {
        state.index = i;
        break;
      }
    }
    scheduleValidity();
    syncCache();
    if (state.modo !== oldModo) {
      // An emergency starts (or ends) now, not after the current item.
      dropNext();
      advance();
      return;
    }
    if (state.next && keyOf(state.next.item) !== keyOf(upcoming(0))) {
      dropNext();
    }
    if (state.current && state.index === -1) {
      // The item on screen left the playlist (deleted, switched off, expired): it
      // goes now, not at the end of its slot.
      dropNext();
      advance();
    } else if (!state.current || state.waiting) {
      advance();
    } else if (!state.next && !state.leaving) {
      prepareNext();
    }
  }

  function scheduleValidity() {
    cancel("validity");
    if (state.validoAte !== null && !isNaN(state.validoAte)) {
      // Refetch when the playlist is due to change (a start, an expiry, a window edge),
      // a little after, spread so the TVs of a building don't ask at the same instant.
      var wait = state.validoAte - now();
      later("validity", load, Math.max(1000, wait) + Math.round(Math.random() * 3000));
    }
  }

  function load() {
    var headers = { "Cache-Control": "no-cache" };
    if (state.versao) {
      headers["If-None-Match"] = "\"" + state.versao + "\"";
    }
    request("GET", cfg.conteudo, null, headers, function (status, xhr) {
      if (status === 200) {
        var data = null;
        try {
          data = JSON.parse(xhr.responseText);
        } catch (e) { /* treated as a failure below */ }
        if (data && data.itens) {
          loaded();
          save(data);
          applyPlaylist(data);
          return;
        }
      } else if (status === 304) {
        loaded();
        return;
      } else if (status === 404) {
        contentBackoff.reset();
        later("poll", load, jitter(POLL_MS * 5));
        state.items = [];
        dropNext();
        showIdle("Esta TV não está cadastrada no EXPO TV.");
        return;
      }
      // Network error or 5xx: back off, keep playing what we have.
      setOnline(false);
      if (!state.items.length) {
        var cached = restore();
        if (cached && cached.itens) {
          applyPlaylist(cached);
        }
      }
      later("poll", load, contentBackoff.next());
    });
  }

  function loaded() {
    setOnline(true);
    contentBackoff.reset();
    later("poll", load, jitter(POLL_MS));
  }

  function ping() {
    var body = JSON.stringify({
      versao: state.versao,
      app_versao: cfg.versaoApp,
      resolucao: window.screen ? window.screen.width + "x" + window.screen.height : null
    });
    request("POST", cfg.ping, body, { "Content-Type": "application/json" },
      function (status, xhr) {
        if (status !== 200) {
          setOnline(false);
          // Never more often than the normal interval, and slower while it fails.
          later("ping", ping, Math.max(state.pingMs, pingBackoff.next()));
          return;
        }
        pingBackoff.reset();
        setOnline(true);
        try {
          var data = JSON.parse(xhr.responseText);
          if (data.intervalo_ping > 0) {
            state.pingMs = Math.max(5, data.intervalo_ping) * 1000;
          }
          if (data.versao && data.versao !== state.versao) {
            load();
          }
        } catch (e) { /* a bad answer: the next ping retries */ }
        later("ping", ping, jitter(state.pingMs));
      });
  }

  function connectSocket() {
    if (!window.WebSocket) {
      return;
    }
    var url = resolve(cfg.ws).replace(/^http/, "ws") + (cfg.preview ? "?preview=1" : "");
    var socket;
    try {
      socket = new window.WebSocket(url);
    } catch (e) {
      later("socket", connectSocket, socketBackoff.next());
      return;
    }
    state.socket = socket;
    socket.onopen = function () {
      // Reset only once the socket proved stable: a server that accepts and drops
      // at once must still be retried with growing delays.
      later("socketStable", function () { socketBackoff.reset(); }, 30000);
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
      socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
      state.socket = null;
      cancel("socketStable");
      // 4404: this TV does not exist (any more); ask again much later.
      var wait = event.code === 4404 ? jitter(SOCKET_MAX_MS * 5) : socketBackoff.next();
      later("socket", connectSocket, wait);
    };
    socket.onerror = function () { /* onclose follows */ };
  }

  // Service worker: keep this playlist's media for a reboot without network ----
  var worker = null;

  function registerWorker() {
    if (cfg.preview || !navigator.serviceWorker || !window.Promise) {
      return;
    }
    try {
      navigator.serviceWorker.register(cfg.sw, { scope: "./" }).then(function () {
        return navigator.serviceWorker.ready;
      }).then(function (registration) {
        worker = registration;
        syncCache();
      }, function () { /* no worker: preloading keeps the HTTP cache warm */ });
    } catch (e) { /* insecure context (plain http on a LAN): no worker */ }
  }

  function syncCache() {
    if (!worker || !worker.active || !state.versao) {
      return;
    }
    var urls = [];
    var seen = {};
    var i;
    for (i = 0; i < state.items.length; i++) {
      var item = state.items[i];
      var list = [item.archive_url, item.thumbnail_url];
      var j;
      for (j = 0; j < list.length; j++) {
        if (list[j] && !seen[list[j]]) {
          seen[list[j]] = true;
          urls.push(resolve(list[j]));
        }
      }
    }
    // The page and its own files too: on the first visit they were loaded before
    // the worker existed, and a reboot offline needs them.
    var files = [window.location.href.split("#")[0].split("?")[0]];
    var nodes = document.querySelectorAll("link[href], script[src]");
    for (i = 0; i < nodes.length; i++) {
      files.push(nodes[i].href || nodes[i].src);
    }
    worker.active.postMessage({
      tipo: "midias",
      codigo: cfg.codigo,
      urls: urls,
      arquivos: files
    });
  }

  // Playback -----------------------------------------------------------------
  function upcoming(offset) {
    var n = state.items.length;
    if (!n) {
      return null;
    }
    return state.items[(state.index + 1 + offset) % n];
  }

  function freeLayer() {
    var onScreen = state.current ? state.current.layer : null;
    return layers[0] === onScreen ? layers[1] : layers[0];
  }

  function clearLayer(layer) {
    var videos = layer.getElementsByTagName("video");
    var images = layer.getElementsByTagName("img");
    var i;
    for (i = videos.length - 1; i >= 0; i--) {
      var video = videos[i];
      video.oncanplaythrough = video.onerror = video.onloadeddata = null;
      video.pause();
      video.removeAttribute("src");
      video.load();
    }
    for (i = images.length - 1; i >= 0; i--) {
      images[i].onload = images[i].onerror = null;
    }
    while (layer.firstChild) {
      layer.removeChild(layer.firstChild);
    }
    layer.className = "layer";
  }

  function dropNext() {
    cancel("wait");
    if (state.next) {
      state.next.dead = true;
      if (!state.current || state.next.layer !== state.current.layer) {
        clearLayer(state.next.layer);
      }
      state.next = null;
    }
  }

  // The slot of the item on screen is over (or nothing is on screen yet): show the
  // next one as soon as it is ready.
  function advance() {
    cancel("slot");
    cancel("page");
    if (!state.items.length) {
      dropNext();
      showIdle("Nenhum conteúdo para exibir no momento.");
      return;
    }
    state.waiting = true;
    if (state.leaving) {
      finishFade(); // prepares the next one, which swaps in at once if it is ready
    }
    if (!state.next) {
      prepareNext();
    } else if (state.next.ready) {
      swap();
    }
    keepWaiting();
  }

  function keepWaiting() {
    if (state.waiting && state.next && !state.next.ready) {
      later("wait", giveUp, WAIT_MS);
    }
  }

  function prepareNext() {
    var item = upcoming(0);
    if (!item) {
      return;
    }
    var buffer = build(item, freeLayer());
    state.next = buffer;
    buffer.load();
  }

  // The next item missed its chance: a media item is skipped (tried again next
  // loop); an aviso or notícia shows its text without the picture.
  function giveUp() {
    var buffer = state.next;
    if (!buffer) {
      return;
    }
    buffer.fail();
  }

  function bufferReady(buffer) {
    if (buffer.dead || buffer !== state.next) {
      return;
    }
    buffer.ready = true;
    state.attempts = 0;
    if (state.waiting) {
      swap();
    }
  }

  function bufferFailed(buffer) {
    if (buffer.dead || buffer !== state.next) {
      return;
    }
    cancel("wait");
    state.next = null;
    clearLayer(buffer.layer);
    state.index = (state.index + 1) % state.items.length;
    state.attempts += 1;
    if (state.attempts >= state.items.length) {
      // Nothing in the loop can be shown right now: hold what is on screen and try
      // again in a while instead of spinning.
      state.attempts = 0;
      if (!state.current) {
        showIdle("Aguardando o conteúdo…");
      }
      later("slot", advance, RETRY_MIN_MS * 5);
      return;
    }
    prepareNext();
    keepWaiting();
  }

  function swap() {
    var buffer = state.next;
    cancel("wait");
    state.waiting = false;
    state.next = null;
    state.index = (state.index + 1) % state.items.length;
    endFade();
    var old = state.current;
    state.current = buffer;
    if (old) {
      old.layer.className = "layer is-off";
      state.leaving = old.layer;
      later("fade", finishFade, FADE_MS + 50);
    }
    buffer.layer.className = "layer is-on";
    stage.setAttribute("data-state", "tocando");
    stage.setAttribute("data-tipo", buffer.item.tipo);
    stage.setAttribute("data-id", String(buffer.item.id));
    buffer.start();
    if (!old) {
      prepareNext();
    }
  }

  function endFade() {
    cancel("fade");
    if (state.leaving) {
      clearLayer(state.leaving);
      state.leaving = null;
    }
  }

  // The old layer is free again: prepare the next item in it.
  function finishFade() {
    endFade();
    if (!state.next && state.current && state.items.length) {
      prepareNext();
    }
  }

  function showIdle(text) {
    cancel("slot");
    cancel("page");
    state.waiting = false;
    endFade();
    if (state.current) {
      clearLayer(state.current.layer);
      state.current = null;
    }
    idleText.textContent = text;
    stage.setAttribute("data-state", "vazio");
    stage.removeAttribute("data-tipo");
    stage.removeAttribute("data-id");
  }

  // Building one item -------------------------------------------------------
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

  // An item's video: muted and inline (autoplay allows nothing else), its
  // thumbnail until it plays. Shorter than its slot, it loops: the slot timer
  // decides when it ends.
  function mutedVideo(item, className) {
    var video = el("video", className);
    video.muted = true;
    video.setAttribute("muted", "");
    video.setAttribute("playsinline", "");
    video.preload = "auto";
    video.loop = true;
    if (item.thumbnail_url) {
      video.poster = item.thumbnail_url;
    }
    return video;
  }

  var LABELS = { aviso: "Aviso", anuncio: "Anúncio", noticia: "Notícia" };

  function build(item, layer) {
    clearLayer(layer);
    var emergency = state.modo === "emergencia";
    var buffer = {
      item: item,
      layer: layer,
      ready: false,
      dead: false,
      pages: 1,
      page: 0,
      video: null,
      load: null,
      fail: null,
      start: null
    };
    var seconds = Math.max(1, item.duracao || 10);
    buffer.start = function () {
      if (buffer.video) {
        try {
          if (buffer.video.currentTime > 0) {
            buffer.video.currentTime = 0;
          }
          var played = buffer.video.play();
          if (played && played.then) {
            played.then(null, function () { /* autoplay refused: poster stays */ });
          }
        } catch (e) { /* keep the first frame */ }
      }
      var slotMs = seconds * 1000;
      if (buffer.pages > 1) {
        // At least PAGE_MIN_MS per page, so a long message can be read.
        slotMs = Math.max(slotMs, buffer.pages * PAGE_MIN_MS);
        buffer.pageMs = Math.floor(slotMs / buffer.pages);
        later("page", function () { turnPage(buffer); }, buffer.pageMs);
      }
      later("slot", advance, slotMs);
    };

    if (item.tipo === "anuncio" && !emergency) {
      buildAd(item, buffer);
    } else {
      buildCard(item, buffer, emergency);
    }
    return buffer;
  }

  function mediaUrl(item) {
    return item.archive_url || null;
  }

  function buildAd(item, buffer) {
    var slide = el("div", "slide slide-anuncio");
    buffer.layer.appendChild(slide);
    var url = mediaUrl(item);
    buffer.fail = function () { bufferFailed(buffer); };
    if (!url) {
      buffer.load = function () { bufferFailed(buffer); };
      return;
    }
    if (item.thumbnail_url || item.tipo_midia !== "video") {
      var backdrop = el("img", "backdrop");
      backdrop.alt = "";
      backdrop.src = item.thumbnail_url || url;
      slide.appendChild(backdrop);
    }
    var media;
    if (item.tipo_midia === "video") {
      media = mutedVideo(item, "media");
      buffer.video = media;
    } else {
      media = el("img", "media");
      media.alt = item.titulo || "";
    }
    slide.appendChild(media);
    if (item.mensagem) {
      var caption = el("div", "caption");
      var text = el("div", "text");
      text.appendChild(el("div", "text-inner", item.mensagem));
      caption.appendChild(text);
      slide.appendChild(caption);
    }
    buffer.load = function () {
      loadMedia(media, item, url, function (ok) {
        if (!ok) {
          bufferFailed(buffer);
          return;
        }
        fitLayer(buffer);
        bufferReady(buffer);
      });
    };
  }

  function buildCard(item, buffer, emergency) {
    var kind = emergency ? "emergencia" : item.tipo;
    var slide = el("div", "slide slide-" + kind);
    var url = mediaUrl(item);
    var isImage = url && item.tipo_midia !== "video";
    var figure = null;
    var picture = null;
    if (url) {
      figure = el("div", "figure");
      if (isImage) {
        picture = el("img");
        picture.alt = "";
      } else {
        // A video beside a notice plays muted like an anúncio's.
        picture = mutedVideo(item);
      }
      figure.appendChild(picture);
      slide.appendChild(figure);
      slide.className += " has-figure";
    }
    var panel = el("div", "panel");
    panel.appendChild(el("div", "tag", emergency ? "Emergência" : LABELS[item.tipo] || ""));
    panel.appendChild(el("div", "title", item.titulo || ""));
    var body = item.tipo === "noticia" ? item.resumo : item.mensagem;
    var text = el("div", "text");
    text.appendChild(el("div", "text-inner", body || ""));
    panel.appendChild(text);
    if (item.tipo === "noticia") {
      var meta = el("div", "meta");
      meta.appendChild(el("span", "meta-source", item.fonte || ""));
      meta.appendChild(el("span", "meta-time", newsTime(item.publicado_em)));
      panel.appendChild(meta);
    }
    slide.appendChild(panel);
    buffer.layer.appendChild(slide);

    function textOnly() {
      if (figure) {
        if (picture.tagName === "VIDEO") {
          picture.pause();
          picture.removeAttribute("src");
          picture.load();
        }
        picture.onload = picture.onerror = null;
        slide.removeChild(figure);
        slide.className = "slide slide-" + kind;
        figure = null;
        buffer.video = null;
      }
      fitLayer(buffer);
      bufferReady(buffer);
    }
    buffer.fail = textOnly;
    buffer.load = function () {
      if (!figure) {
        textOnly();
        return;
      }
      if (picture.tagName === "VIDEO") {
        buffer.video = picture;
      }
      loadMedia(picture, item, url, function (ok) {
        if (buffer.dead || buffer !== state.next || !figure) {
          return;
        }
        if (!ok) {
          textOnly();
          return;
        }
        fitLayer(buffer);
        bufferReady(buffer);
      });
    };
  }

  // Loads an <img> (then decodes it) or a <video> (until canplaythrough).
  function loadMedia(node, item, url, done) {
    var settled = false;
    function settle(ok) {
      if (settled) {
        return;
      }
      settled = true;
      node.onload = node.onerror = node.oncanplaythrough = null;
      done(ok);
    }
    node.onerror = function () { settle(false); };
    if (node.tagName === "VIDEO") {
      node.oncanplaythrough = function () { settle(true); };
      node.src = url;
      node.load();
      return;
    }
    node.onload = function () {
      if (node.decode) {
        // Decoded before it is shown: no half-painted frame during the fade.
        node.decode().then(function () { settle(true); }, function () {
          settle(node.naturalWidth > 0);
        });
      } else {
        settle(true);
      }
    };
    node.src = url;
  }

  // Text fitting -------------------------------------------------------------
  function unit() {
    var w = window.innerWidth || document.documentElement.clientWidth;
    var h = window.innerHeight || document.documentElement.clientHeight;
    return Math.min(w, h) / 100;
  }

  function overflows(node) {
    return node.scrollHeight > node.clientHeight + 1 || node.scrollWidth > node.clientWidth + 1;
  }

  // Largest size in [min, max] (stepping down) at which `fits()` holds.
  function fitFont(size, apply, fits) {
    var u = unit();
    var px = size.max * u;
    var minPx = Math.ceil(size.min * u);
    for (;;) {
      apply(Math.max(px, minPx));
      if (fits() || px <= minPx) {
        return;
      }
      px = Math.max(minPx, Math.floor(px * STEP));
    }
  }

  function setFont(node, px, lineHeight) {
    node.style.fontSize = Math.round(px) + "px";
    if (lineHeight) {
      node.style.lineHeight = Math.round(px * lineHeight) + "px";
    }
  }

  function fitLayer(buffer) {
    var layer = buffer.layer;
    var title = first(layer, "title");
    var text = first(layer, "text");
    var inner = text ? first(text, "text-inner") : null;
    var caption = first(layer, "caption");
    var emergency = layer.getElementsByClassName("slide-emergencia").length > 0;
    var lineRatio = buffer.item.tipo === "noticia" ? 1.4 : 1.36;
    buffer.pages = 1;
    if (!text || !inner) {
      return;
    }
    var titleSize = emergency ? SIZES.titleEmergency : SIZES.title;
    if (title) {
      // The title first, within about a third of the panel; the text gets the rest.
      var limit = Math.floor(title.parentNode.clientHeight * 0.36);
      fitFont(titleSize, function (px) {
        setFont(title, px);
      }, function () {
        return title.offsetHeight <= limit && title.scrollWidth <= title.clientWidth + 1;
      });
    }
    var size = caption ? SIZES.caption : SIZES.text;
    if (!inner.textContent) {
      return;
    }
    var fitText = function () {
      fitFont(size, function (px) {
        setFont(text, px, lineRatio);
      }, function () {
        return !overflows(text);
      });
    };
    fitText();
    if (overflows(text) && title) {
      // Still too long: the title at its smallest size gives the message more room.
      setFont(title, Math.ceil(titleSize.min * unit()));
      fitText();
    }
    if (overflows(text)) {
      paginate(buffer, text, inner);
    }
  }

  // Still too long at the smallest size: show it a page at a time. The box is cut
  // to a whole number of lines, so no line is ever shown half.
  function paginate(buffer, text, inner) {
    var lineHeight = parseFloat(text.style.lineHeight);
    var lines = Math.max(1, Math.floor(text.clientHeight / lineHeight));
    var pageHeight = lines * lineHeight;
    text.style.height = pageHeight + "px";
    text.style.flex = "0 0 auto";
    text.style.webkitFlex = "0 0 auto";
    buffer.pages = Math.ceil(inner.offsetHeight / pageHeight - 0.01);
    buffer.pageHeight = pageHeight;
    text.setAttribute("data-paginas", String(buffer.pages));
    var pager = el("div", "pager");
    var i;
    for (i = 0; i < buffer.pages; i++) {
      pager.appendChild(el("span", i === 0 ? "pager-dot is-on" : "pager-dot"));
    }
    text.parentNode.parentNode.appendChild(pager);
  }

  function turnPage(buffer) {
    if (buffer !== state.current || buffer.page + 1 >= buffer.pages) {
      return;
    }
    buffer.page += 1;
    var text = first(buffer.layer, "text");
    var inner = first(text, "text-inner");
    inner.style.top = -Math.round(buffer.page * buffer.pageHeight) + "px";
    text.setAttribute("data-pagina", String(buffer.page + 1));
    var dots = buffer.layer.getElementsByClassName("pager-dot");
    var i;
    for (i = 0; i < dots.length; i++) {
      dots[i].className = i === buffer.page ? "pager-dot is-on" : "pager-dot";
    }
    if (buffer.page + 1 < buffer.pages) {
      later("page", function () { turnPage(buffer); }, buffer.pageMs);
    }
  }

  function first(root, className) {
    var found = root.getElementsByClassName(className);
    return found.length ? found[0] : null;
  }

  // Time ---------------------------------------------------------------------
  function pad(n) {
    return n < 10 ? "0" + n : String(n);
  }

  // ISO 8601 with an offset ("2026-11-30T09:30:00+00:00"), parsed by hand: older
  // engines' Date.parse does not read every form.
  function parseTime(text) {
    var m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)(?::(\d\d)(?:\.\d+)?)?(Z|[+-]\d\d:?\d\d)?$/
      .exec(String(text));
    if (!m) {
      return NaN;
    }
    var ms = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] || 0));
    if (m[7] && m[7] !== "Z") {
      var sign = m[7].charAt(0) === "-" ? -1 : 1;
      var digits = m[7].replace(/[^\d]/g, "");
      ms -= sign * (parseInt(digits.substr(0, 2), 10) * 60 + parseInt(digits.substr(2, 2), 10)) * 60000;
    }
    return ms;
  }

  function newsTime(text) {
    if (!text) {
      return "";
    }
    var ms = parseTime(text);
    if (isNaN(ms)) {
      return "";
    }
    var when = new Date(ms);
    var today = new Date(now());
    var hhmm = pad(when.getHours()) + ":" + pad(when.getMinutes());
    var dayMs = 86400000;
    var startToday = new Date(today.getFullYear(), today.getMonth(), today.getDate()).getTime();
    if (ms >= startToday) {
      return "hoje, " + hhmm;
    }
    if (ms >= startToday - dayMs) {
      return "ontem, " + hhmm;
    }
    return pad(when.getDate()) + "/" + pad(when.getMonth() + 1) + ", " + hhmm;
  }

  function tick() {
    var d = new Date(now());
    cornerClock.textContent = pad(d.getHours()) + ":" + pad(d.getMinutes());
    later("clock", tick, 60000 - d.getSeconds() * 1000 - d.getMilliseconds() + 20);
  }

  // Fitted sizes depend on the screen: fit again (from the first page) on a resize.
  function refit(buffer) {
    var pagers = buffer.layer.getElementsByClassName("pager");
    while (pagers.length) {
      pagers[0].parentNode.removeChild(pagers[0]);
    }
    var nodes = [first(buffer.layer, "title"), first(buffer.layer, "text"),
      first(buffer.layer, "text-inner")];
    var i;
    for (i = 0; i < nodes.length; i++) {
      if (nodes[i]) {
        nodes[i].removeAttribute("style");
        nodes[i].removeAttribute("data-paginas");
        nodes[i].removeAttribute("data-pagina");
      }
    }
    buffer.page = 0;
    fitLayer(buffer);
  }

  function onResize() {
    later("resize", function () {
      if (state.current) {
        refit(state.current);
        cancel("page");
        if (state.current.pages > 1) {
          var current = state.current;
          current.pageMs = PAGE_MIN_MS;
          later("page", function () { turnPage(current); }, current.pageMs);
        }
      }
      if (state.next && state.next.ready) {
        refit(state.next);
      }
    }, 300);
  }

  // Start --------------------------------------------------------------------
  function start() {
    tick();
    var cached = restore();
    if (cached && cached.itens) {
      applyPlaylist(cached);
    }
    load();
    connectSocket();
    if (!cfg.preview) {
      registerWorker();
      later("ping", ping, 0);
    }
    window.onresize = onResize;
  }

  // Fitting needs the real font's metrics: wait for it (briefly) when we can.
  if (document.fonts && document.fonts.load && window.Promise) {
    var started = false;
    var go = function () {
      if (!started) {
        started = true;
        cancel("fonts");
        start();
      }
    };
    later("fonts", go, 3000);
    window.Promise.all([
      document.fonts.load("400 20px Inter"),
      document.fonts.load("600 20px Inter"),
      document.fonts.load("800 20px Inter")
    ]).then(go, go);
  } else {
    start();
  }
}());
