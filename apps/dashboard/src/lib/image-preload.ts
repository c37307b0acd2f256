// Loads images before the elements that show them enter the page: the <img> then has its bytes in the memory
// cache and paints in the frame it is inserted, instead of costing one more frame when the bytes arrive.
// Loading only (no img.decode()): decoding happens at raster time, off the main thread.

const DEFAULT_TIMEOUT_MS = 800;
/** URLs already in the memory cache (enrolled faces repeat for every alert of a person); bounded. */
const loaded = new Set<string>();
const MAX_REMEMBERED = 500;

function loadOne(url: string): Promise<void> {
  if (loaded.has(url)) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const img = new Image();
    img.onload = () => {
      if (loaded.size >= MAX_REMEMBERED) loaded.clear();
      loaded.add(url);
      resolve();
    };
    img.onerror = () => resolve();
    img.src = url;
  });
}

/** Resolves when every URL loaded, failed, or the timeout passed (never rejects: the page shows what it has). */
export function preloadImages(urls: readonly string[], timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
  if (urls.length === 0 || typeof Image === 'undefined') return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    void Promise.all(urls.map(loadOne)).then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
