/* The members' service worker (decision 135), served from /sw.js so that its scope is the
   whole site. It keeps copies of the light pages (network first: the copy only when the
   network fails) and the members' own static files (cache first); everything else, and
   every POST, goes to the network untouched. Kept submissions are the page's work
   (member.js), not this worker's: WeChat's browser has no service worker at all. */
"use strict";
var VERSION = "{{ version }}";
var ASSETS = "liudong-static-" + VERSION;
var PAGES = "liudong-pages";
var OFFLINE = {{ offline_url|safe }};
var PRECACHE = {{ precache|safe }};
var STATIC_PREFIX = {{ static_prefix|safe }};
var LIGHT = 'name="liudong-light"';

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(ASSETS).then(function (cache) {
      return cache.addAll(PRECACHE);
    }).then(function () {
      return self.skipWaiting();
    })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (key) {
        return key.indexOf("liudong-static-") === 0 && key !== ASSETS;
      }).map(function (key) {
        return caches.delete(key);
      }));
    }).then(function () {
      return self.clients.claim();
    })
  );
});

function keepPage(request, response) {
  /* Only a light page (mobile_base.html's meta), answered directly (not a redirect to the
     sign-in page), is kept; staff pages never are. */
  var type = response.headers.get("Content-Type") || "";
  if (!response.ok || response.redirected || type.indexOf("text/html") !== 0) {
    return Promise.resolve();
  }
  return response.clone().text().then(function (text) {
    if (text.indexOf(LIGHT) === -1) {
      return undefined;
    }
    return caches.open(PAGES).then(function (cache) {
      return cache.put(request.url, new Response(text, {headers: {"Content-Type": type}}));
    });
  });
}

function page(event) {
  var request = event.request;
  return fetch(request).then(function (response) {
    event.waitUntil(keepPage(request, response).catch(function () {}));
    return response;
  }).catch(function () {
    return caches.open(PAGES).then(function (cache) {
      return cache.match(request.url).then(function (hit) {
        return hit || cache.match(request.url, {ignoreSearch: true});
      });
    }).then(function (hit) {
      return hit || caches.match(OFFLINE);
    });
  });
}

function asset(event) {
  var request = event.request;
  return caches.match(request).then(function (hit) {
    return hit || fetch(request).then(function (response) {
      if (response.ok) {
        var copy = response.clone();
        event.waitUntil(caches.open(ASSETS).then(function (cache) {
          return cache.put(request, copy);
        }));
      }
      return response;
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") {
    return;
  }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(page(event));
  } else if (url.pathname.indexOf(STATIC_PREFIX) === 0) {
    event.respondWith(asset(event));
  }
});

self.addEventListener("message", function (event) {
  /* A different member signed in on this phone: the kept pages were the other's. */
  if (event.data === "forget-pages") {
    event.waitUntil(caches.delete(PAGES));
  }
});
