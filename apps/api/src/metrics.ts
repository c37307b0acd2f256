// Prometheus metrics of the api process (prom-client), served at GET /metrics. One registry per server,
// so several servers in one process (tests) do not collide.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class ApiMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'argus_api_requests_total',
    help: 'HTTP requests by route and status',
    labelNames: ['method', 'route', 'status'],
    registers: [this.registry],
  });
  readonly requestMs = new Histogram({
    name: 'argus_api_request_ms',
    help: 'HTTP request duration, ms',
    labelNames: ['method', 'route'],
    buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 10000],
    registers: [this.registry],
  });
  readonly enrollPhotos = new Counter({
    name: 'argus_api_enroll_photos_total',
    help: 'Enrolment photos judged, by outcome (accepted or a rejection code)',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly searches = new Counter({ name: 'argus_api_searches_total', help: 'Sighting searches, by photo or by person', labelNames: ['by'], registers: [this.registry] });
  readonly wsClients = new Gauge({ name: 'argus_ws_clients', help: 'Connected WebSocket clients', registers: [this.registry] });
  readonly wsMessages = new Counter({ name: 'argus_ws_messages_total', help: 'WebSocket messages sent, by type', labelNames: ['type'], registers: [this.registry] });
  readonly wsDropped = new Counter({
    name: 'argus_ws_clients_dropped_total',
    help: 'WebSocket clients dropped by the server: slow (send buffer over the bound) or dead (no pong)',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly wsRejected = new Counter({ name: 'argus_ws_upgrades_rejected_total', help: 'WebSocket upgrades refused', labelNames: ['reason'], registers: [this.registry] });

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }
}
