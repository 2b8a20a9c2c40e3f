/**
 * Attention painted on the analysed text: with a token focused (cursor in the editor, or hover/focus in
 * the panel), every other token's background shows how much the focused token attends to it. Decorations
 * belong to an editor instance, and VS Code makes new ones for a file closed and opened again (and new
 * documents for a notebook's cells): `repaint()` paints the last picture on them.
 */
import * as vscode from 'vscode';
import { AttentionTrace, attentionRow } from '../shared/trace';

/** Eight strengths are enough to read and keep the number of decoration types fixed. */
const LEVELS = 8;

export interface DecorationTarget {
  uri: vscode.Uri;
  baseOffset: number;
  trace: AttentionTrace;
}

export class AttentionDecorations implements vscode.Disposable {
  private readonly levels: vscode.TextEditorDecorationType[];
  private readonly focusedType: vscode.TextEditorDecorationType;
  /** Tokens whose range is only a guess (see TokenSpan.approximate): outlined, never filled with a weight. */
  private readonly approximateType: vscode.TextEditorDecorationType;

  constructor() {
    this.levels = Array.from({ length: LEVELS }, (_, i) =>
      vscode.window.createTextEditorDecorationType({
        backgroundColor: `rgba(55, 148, 255, ${(0.12 + (0.7 * (i + 1)) / LEVELS).toFixed(2)})`,
        borderRadius: '2px',
      }),
    );
    this.focusedType = vscode.window.createTextEditorDecorationType({
      border: '1px solid',
      borderColor: new vscode.ThemeColor('focusBorder'),
      borderRadius: '2px',
    });
    this.approximateType = vscode.window.createTextEditorDecorationType({
      border: '1px dashed',
      borderColor: new vscode.ThemeColor('editorWarning.foreground'),
      borderRadius: '2px',
    });
  }

  private last: { target: DecorationTarget; layer: number; head: number; query: number | null; row?: Float32Array } | undefined;

  /** Paints the last picture again on the editors visible now (call when they change), on `target` if the analysis moved. */
  repaint(target?: DecorationTarget): void {
    if (this.last && target) this.paint(target, this.last.layer, this.last.head, this.last.query, this.last.row);
  }

  /**
   * Decorates every visible editor of the document; `query` null clears. `row`: the weights the panel
   * shows for `query` (computed there); without it, the model's own for `layer` and `head`.
   */
  paint(target: DecorationTarget, layer: number, head: number, query: number | null, row?: Float32Array): void {
    this.last = { target, layer, head, query, ...(row ? { row } : {}) };
    const editors = vscode.window.visibleTextEditors.filter((e) => e.document.uri.toString() === target.uri.toString());
    const buckets: vscode.Range[][] = Array.from({ length: LEVELS }, () => []);
    const focused: vscode.Range[] = [];
    const approximate: vscode.Range[] = [];
    if (query !== null && query < target.trace.tokens.length) {
      const weights = row && row.length === target.trace.tokens.length ? row : attentionRow(target.trace, layer, head, query);
      let max = 0;
      for (const w of weights) if (w > max) max = w;
      for (const editor of editors.slice(0, 1)) {
        const doc = editor.document;
        target.trace.tokens.forEach((token, j) => {
          if (token.start === token.end) return;
          const range = new vscode.Range(doc.positionAt(target.baseOffset + token.start), doc.positionAt(target.baseOffset + token.end));
          if (j === query) {
            focused.push(range);
            return;
          }
          if (token.approximate) {
            approximate.push(range);
            return;
          }
          if (max <= 0 || weights[j] <= 0) return;
          const level = Math.min(LEVELS - 1, Math.floor((weights[j] / max) * LEVELS));
          if (weights[j] / max >= 0.05) buckets[level].push(range);
        });
      }
    }
    for (const editor of editors) {
      this.levels.forEach((type, i) => editor.setDecorations(type, buckets[i]));
      editor.setDecorations(this.focusedType, focused);
      editor.setDecorations(this.approximateType, approximate);
    }
  }

  clear(): void {
    this.last = undefined;
    for (const editor of vscode.window.visibleTextEditors) {
      for (const type of this.levels) editor.setDecorations(type, []);
      editor.setDecorations(this.focusedType, []);
      editor.setDecorations(this.approximateType, []);
    }
  }

  dispose(): void {
    for (const type of this.levels) type.dispose();
    this.focusedType.dispose();
    this.approximateType.dispose();
  }
}

/** Index of the token whose range holds document offset `offset`, if any. */
export function tokenAtOffset(target: DecorationTarget, offset: number): number | undefined {
  const rel = offset - target.baseOffset;
  const tokens = target.trace.tokens;
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i].start <= rel && rel < tokens[i].end) return i;
  }
  return undefined;
}
