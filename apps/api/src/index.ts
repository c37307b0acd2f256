// @argus/api: the HTTP + WebSocket server. `createServer(deps)` builds it; main.ts runs it.
export { createServer, API_VERSION } from './server.ts';
export type { ApiServer, ServerDeps } from './server.ts';
export { AlertGateway, WS_PATH, TOKEN_PROTOCOL_PREFIX } from './alert-gateway.ts';
export type { GatewayOptions } from './alert-gateway.ts';
export { resolveAdminToken, AdminTokenError, ADMIN_TOKEN_FILE } from './admin-token.ts';
export { ApiError, toHttpError } from './api-error.ts';
export { chooseEnrollFace, DOMINANT_FACE_RATIO } from './services/enrollment.service.ts';
export { buildOpenApiDocument } from './openapi.ts';
