/**
 * The trace types and helpers live in src/shared/trace.ts (the host, the worker and the webview all use
 * them); engine code, scripts and tests keep importing them from here.
 */
export * from '../shared/trace';
