// @argus/e2e: the end-to-end specs, and the harness they share with the dashboard benchmark (bench/).
export { startStack, assertDashboardBuilt, StackError, DASHBOARD_DIR } from './stack.ts';
export type { Stack, StackOptions } from './stack.ts';
export { launchBrowser, saveScreenshot, assertChromium, BrowserError, CHROMIUM_PATH, ARTIFACTS_DIR } from './browser.ts';
export type { Browser } from './browser.ts';
export { startService } from './service-process.ts';
export type { ServiceProcess, ServiceOptions } from './service-process.ts';
