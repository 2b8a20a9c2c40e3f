/** The webview's handle on VS Code: typed messages out, persisted UI state (checked on the way back in). */
import { ROLLOUT } from '../src/shared/attentionRules';
import { FromWebview, PanelState, parseWhatIf } from '../src/shared/protocol';

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

const isIndex = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/** The saved state, with anything malformed dropped field by field (a bad field never loses the rest). */
export function loadState(): PanelState | undefined {
  const s = api.getState() as Partial<PanelState> | undefined;
  if (!s || typeof s !== 'object' || s.version !== 1) return undefined;
  const whatIf = parseWhatIf(s.whatIf);
  return {
    version: 1,
    layer: isIndex(s.layer) ? s.layer : 0,
    head: Number.isSafeInteger(s.head) && (s.head as number) >= ROLLOUT ? (s.head as number) : 0,
    view: typeof s.view === 'string' ? s.view : 'tokens',
    focused: isIndex(s.focused) ? s.focused : null,
    key: isIndex(s.key) ? s.key : null,
    ...(whatIf ? { whatIf } : {}),
    ...(Array.isArray(s.shownHeads) && s.shownHeads.every(isIndex) ? { shownHeads: s.shownHeads } : {}),
    ...(s.request ? { request: s.request } : {}),
  };
}

export function saveState(state: PanelState): void {
  api.setState(state);
}
