/** What every view implements, and what views may ask of the panel. */
import type { ViewId, ViewModel } from '../viewModel';

export interface View {
  readonly id: ViewId;
  readonly element: HTMLElement;
  /** Data changed (analysis, layer, head, what-ifs, strings, theme): redraw everything. Called while attached. */
  render(vm: ViewModel): void;
  /** Only the focused query or key changed: the per-hover path, which must stay well under one frame. */
  paintFocus(vm: ViewModel): void;
  /** The numbers behind the view, for CSV and JSON export. */
  exportData(vm: ViewModel): ExportData;
  /** Vector SVG for one of the view's canvases (else the canvas is embedded as an image). */
  canvasSvg?(canvas: HTMLCanvasElement, vm: ViewModel): string | undefined;
  /** Puts keyboard focus on the view's element for the focused token, if it has one. */
  focusToken?(index: number): void;
}

export interface ExportData {
  csv: string;
  json: unknown;
}

export interface ViewActions {
  /** Focus a query (and optionally a key); null clears. */
  focus(query: number | null, key?: number | null): void;
  /** Select the token's text in the editor. */
  reveal(index: number): void;
  /** Open one layer and head (or aggregate) in the matrix view; `at`: focus that query and key there. */
  openHead(layer: number, head: number, at?: { query: number; key: number }): void;
  /** The head view's set of drawn heads changed. */
  showHeads(shown: boolean[]): void;
  log(message: string): void;
}
