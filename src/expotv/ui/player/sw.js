/* EXPO TV player's service worker, served as /tv/sw.js so that its scope (/tv/) covers
 * every player page and the player's own files (/tv/static/).
 *
 * - Player pages and files: network first (a new version arrives at the next load),
 *   the cached copy when the network fails: a TV that reboots offline still opens.
 * - Media: the page sends the list of its playlist's media ({tipo: "midias"}); those
 *   objects are fetched whole into Cache Storage and served from there (Range requests
 *   answered from the cached copy, so videos seek and loop offline); objects no open
 *   player lists any more are deleted. Only the page's list decides what is stored:
 *   a preview page (which sends none) leaves the cache as it was.
 * ES5 syntax like the player (browsers with service workers have Promise and fetch).
 */
(function () {
  "use strict";

  var PAGES = "expotv-player-v1";
  var MEDIA = "expotv-media-v1";
  var LISTS = "expotv-lists-v1";
  var KNOWN = [PAGES, MEDIA, LISTS];
  var NETWORK_TIMEOUT_MS = 5000;

  var scope = self.registration.scope;
  var listed = null; // url -> true, loaded from LISTS on first use
  var inflight = {}; // url -> Promise of a stored copy
  var queue = Promise.resolve();

  self.addEventListener("install", function (event) {
    event.waitUntil(self.skipWaiting());
  });

  self.addEventListener("activate", function (event) {
    event.waitUntil(caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf("expotv-") === 0 && KNOWN.indexOf(name) < 0;
      }).map(function (name) {
        return caches["delete"](name);
      }));
    }).then(function () {
      return self.clients.claim();
    }));
  });

  self.addEventListener("fetch", function (event) {
    var request = event.request;
    if (request.method !== "GET") {
      return;
    }
    if (request.mode === "navigate") {
      if (request.url.indexOf(scope) === 0) {
        event.respondWith(page(request));
      }
      return;
    }
    if (request.url.indexOf(scope + "static/") === 0) {
      event.respondWith(networkFirst(PAGES, request, request.url));
      return;
    }
    if (request.destination === "image" || request.destination === "video" ||
        /^[^?#]*\/media\//.test(request.url)) {
      event.respondWith(media(request));
    }
  });

  self.addEventListener("message", function (event) {
    var data = event.data || {};
    if (data.tipo === "midias" && typeof data.codigo === "string" && data.urls) {
      // One list at a time, in the order they came: the last one wins.
      queue = queue.then(function () {
        return keepFiles(data.arquivos || []);
      }).then(function () {
        return keep(data.codigo, data.urls);
      }).then(null, function () { return null; });
      event.waitUntil(queue);
    }
  });

  function withoutQuery(url) {
    return url.split("#")[0].split("?")[0];
  }

  function timeout(promise, ms) {
    return new Promise(function (resolve, reject) {
      var timer = setTimeout(function () { reject(new Error("timeout")); }, ms);
      promise.then(function (value) {
        clearTimeout(timer);
        resolve(value);
      }, function (error) {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  function page(request) {
    // A preview (?preview=1) is served but never stored: it must not change what
    // the TV itself finds after a reboot.
    var isPreview = /[?&]preview=(1|true)/.test(request.url);
    return networkFirst(PAGES, request, withoutQuery(request.url), isPreview);
  }

  function networkFirst(cacheName, request, key, readOnly) {
    return timeout(fetch(request), NETWORK_TIMEOUT_MS).then(function (response) {
      if (response.ok && !readOnly) {
        var copy = response.clone();
        caches.open(cacheName).then(function (cache) {
          return cache.put(key, copy);
        });
      }
      return response;
    }, function (error) {
      return caches.open(cacheName).then(function (cache) {
        return cache.match(key);
      }).then(function (hit) {
        if (hit) {
          return hit;
        }
        throw error;
      });
    });
  }

  // The player page and its files (only those under the worker's scope), when
  // missing: a TV that reboots offline opens them from here.
  function keepFiles(urls) {
    return caches.open(PAGES).then(function (cache) {
      return Promise.all(urls.filter(function (url) {
        return typeof url === "string" && url.indexOf(scope) === 0;
      }).map(function (url) {
        return cache.match(url).then(function (hit) {
          return hit || fetch(url, { credentials: "same-origin" }).then(function (response) {
            return response.ok ? cache.put(url, response) : null;
          });
        }).then(null, function () { return null; });
      }));
    });
  }

  function loadListed() {
    if (listed) {
      return Promise.resolve(listed);
    }
    return caches.open(LISTS).then(function (cache) {
      return cache.keys().then(function (requests) {
        return Promise.all(requests.map(function (req) {
          return cache.match(req).then(function (response) {
            return response.json();
          });
        }));
      });
    }).then(function (lists) {
      var union = {};
      lists.forEach(function (urls) {
        urls.forEach(function (url) { union[url] = true; });
      });
      listed = union;
      return union;
    });
  }

  function media(request) {
    var url = request.url;
    return caches.open(MEDIA).then(function (cache) {
      return cache.match(url);
    }).then(function (hit) {
      if (hit) {
        return answer(request, hit);
      }
      return loadListed().then(function (urls) {
        if (!urls[url]) {
          return fetch(request);
        }
        return store(url).then(function (stored) {
          return stored ? answer(request, stored) : fetch(request);
        }, function () {
          return fetch(request);
        });
      });
    });
  }

  // The whole object into the cache (one download shared by every request for it).
  function store(url) {
    if (!inflight[url]) {
      var sameOrigin = url.indexOf(self.location.origin + "/") === 0;
      inflight[url] = fetch(url, {
        mode: sameOrigin ? "same-origin" : "cors",
        credentials: "omit"
      }).then(function (response) {
        if (!response.ok || response.status !== 200) {
          return null;
        }
        var copy = response.clone();
        return caches.open(MEDIA).then(function (cache) {
          return cache.put(url, copy);
        }).then(function () {
          return response;
        });
      }).then(function (response) {
        delete inflight[url];
        return response;
      }, function (error) {
        delete inflight[url];
        throw error;
      });
    }
    return inflight[url].then(function (response) {
      return response ? caches.open(MEDIA).then(function (cache) {
        return cache.match(url);
      }) : null;
    });
  }

  // A Range request (videos) gets its slice of the cached object.
  function answer(request, response) {
    var range = request.headers.get("Range");
    var m = range ? /^bytes=(\d*)-(\d*)$/.exec(range.replace(/\s+/g, "")) : null;
    if (!m || (m[1] === "" && m[2] === "")) {
      return response;
    }
    return response.blob().then(function (blob) {
      var size = blob.size;
      var start;
      var end;
      if (m[1] === "") {
        start = Math.max(0, size - parseInt(m[2], 10));
        end = size - 1;
      } else {
        start = parseInt(m[1], 10);
        end = m[2] === "" ? size - 1 : Math.min(parseInt(m[2], 10), size - 1);
      }
      if (start >= size || start > end) {
        return new Response("", {
          status: 416,
          headers: { "Content-Range": "bytes */" + size }
        });
      }
      return new Response(blob.slice(start, end + 1), {
        status: 206,
        statusText: "Partial Content",
        headers: {
          "Content-Type": response.headers.get("Content-Type") || blob.type,
          "Content-Range": "bytes " + start + "-" + end + "/" + size,
          "Content-Length": String(end - start + 1),
          "Accept-Ranges": "bytes"
        }
      });
    });
  }

  // Remember this TV's list, forget the lists of TVs no page plays any more, drop
  // the objects no list names, then fetch the missing ones one at a time (gentle
  // on a slow link, where the player is also loading the next item).
  function keep(code, urls) {
    var listKey = scope + "__midias/" + encodeURIComponent(code);
    return caches.open(LISTS).then(function (lists) {
      return lists.put(listKey, new Response(JSON.stringify(urls), {
        headers: { "Content-Type": "application/json" }
      })).then(function () {
        return self.clients.matchAll({ type: "window" });
      }).then(function (clients) {
        var open = {};
        clients.forEach(function (client) {
          var path = withoutQuery(client.url);
          open[decodeURIComponent(path.substring(path.lastIndexOf("/") + 1)).toUpperCase()] = true;
        });
        return lists.keys().then(function (requests) {
          return Promise.all(requests.map(function (req) {
            var name = decodeURIComponent(req.url.substring(req.url.lastIndexOf("/") + 1));
            return req.url === listKey || open[name.toUpperCase()] ? null : lists["delete"](req);
          }));
        });
      });
    }).then(function () {
      listed = null;
      return loadListed();
    }).then(function (union) {
      return caches.open(MEDIA).then(function (cache) {
        return cache.keys().then(function (requests) {
          return Promise.all(requests.map(function (req) {
            return union[req.url] ? null : cache["delete"](req);
          }));
        }).then(function () {
          return cache.keys();
        }).then(function (requests) {
          var have = {};
          requests.forEach(function (req) { have[req.url] = true; });
          return urls.filter(function (url) { return !have[url]; });
        });
      });
    }).then(function (missing) {
      return missing.reduce(function (chain, url) {
        return chain.then(function () {
          return store(url).then(null, function () { return null; });
        });
      }, Promise.resolve());
    });
  }
}());
