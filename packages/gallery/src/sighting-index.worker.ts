// Runs inside the worker thread of SightingIndexWorker: holds one SightingIndex and answers its calls in order.
import { parentPort } from 'node:worker_threads';
import { SightingIndex } from './sighting-index.ts';
import type { WorkerReply, WorkerRequest } from './sighting-index-worker.ts';

if (!parentPort) throw new Error('sighting-index.worker.ts runs only as a worker thread; use SightingIndexWorker');
const port = parentPort;
let index: SightingIndex | undefined;

function current(): SightingIndex {
  if (!index) throw new Error('sightings worker: no index yet (send create or load first)');
  return index;
}

async function handle(req: WorkerRequest): Promise<unknown> {
  switch (req.op) {
    case 'create':
      index = new SightingIndex(req.options);
      return undefined;
    case 'load': {
      const loaded = await SightingIndex.load(req.dir, req.options);
      if (!loaded) return null;
      index = loaded.index;
      return loaded.lastId;
    }
    case 'add':
      for (const r of req.records) current().add(r);
      return undefined;
    case 'remove':
      return current().remove(req.ids);
    case 'unlinkPerson':
      return current().unlinkPerson(req.personId);
    case 'idsOfPerson':
      return current().idsOfPerson(req.personId);
    case 'dropOlderThan':
      return current().dropOlderThan(req.ms);
    case 'size':
      return current().size;
    case 'stats':
      return current().stats();
    case 'setEfSearch':
      current().setEfSearch(req.efSearch);
      return undefined;
    case 'search':
      return current().search(req.query, req.strategy);
    case 'save':
      return current().save(req.dir, req.lastId);
  }
}

port.on('message', (req: WorkerRequest) => {
  // Synchronous ops finish before the next message is read, so calls apply in the order they were sent.
  handle(req).then(
    (result) => port.postMessage({ seq: req.seq, ok: true, result } satisfies WorkerReply),
    (err: unknown) => {
      const e = err as Error & { code?: unknown };
      port.postMessage({ seq: req.seq, ok: false, error: { name: e.name ?? 'Error', message: e.message ?? String(err), code: typeof e.code === 'string' ? e.code : undefined } } satisfies WorkerReply);
    },
  );
});
