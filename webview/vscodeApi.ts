/** The webview's handle on VS Code: typed messages out, persisted UI state. */
import type { FromWebview, PanelState } from '../src/shared/protocol';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const api: VsCodeApi = typeof acquireVsCodeApi === 'function' ? acquireVsCodeApi() : { postMessage: () => undefined, getState: () => undefined, setState: () => undefined };

export function post(message: FromWebview): void {
  api.postMessage(message);
}

export function loadState(): PanelState | undefined {
  const s = api.getState() as PanelState | undefined;
  return s && s.version === 1 ? s : undefined;
}

export function saveState(state: PanelState): void {
  api.setState(state);
}
