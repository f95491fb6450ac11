// lotcheck's service worker: keeps the inspector's pages, the app's script
// and style, and the sheets of the batches opened, so that an inspector
// keeps working when the factory's Wi-Fi drops. Network first (the server
// holds the truth); the kept copy only when the network fails. Nothing is
// ever sent from here: entries wait in IndexedDB (see inspect.js).
const CACHE = 'lotcheck-inspect-v1';
const ASSETS = ['/assets/inspect.js', '/assets/inspect.css', '/favicon.svg'];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(ASSETS)).catch(() => undefined));
  self.skipWaiting();
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

// A page the worker does not control yet asks to be taken over.
self.addEventListener('message', (event) => {
  if (event.data === 'claim') event.waitUntil(self.clients.claim());
});

/** What is kept: the inspector's pages, the app's files, the sheets. */
function kept(url, request) {
  if (request.method !== 'GET' || url.origin !== self.location.origin) return false;
  if (url.pathname === '/inspect/session') return false;
  return url.pathname === '/inspect' || url.pathname.startsWith('/inspect/')
    || ASSETS.includes(url.pathname)
    || /^\/api\/v1\/batches\/\d+\/worksheet$/.test(url.pathname);
}

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (!kept(url, event.request)) return;
  event.respondWith((async () => {
    try {
      const response = await fetch(event.request);
      // A page answered by the sign-in page (session gone) is not kept.
      if (response.ok && !response.redirected) {
        const copy = response.clone();
        const cache = await caches.open(CACHE);
        await cache.put(event.request, copy);
      }
      return response;
    } catch (error) {
      const kept = await caches.match(event.request);
      if (kept) return kept;
      return new Response(
        '<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">'
        + '<title>Offline · lotcheck</title><body style="font:18px system-ui;margin:2rem">'
        + '<h1>No connection</h1><p>This page was not opened on this tablet before the connection dropped.</p>'
        + '<p><a href="/inspect">Batches to record</a></p></body>',
        { status: 503, headers: { 'Content-Type': 'text/html; charset=utf-8' } });
    }
  })());
});
