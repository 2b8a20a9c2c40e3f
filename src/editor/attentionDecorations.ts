/**
 * Attention painted on the analysed text: with a token focused (cursor in the editor, or hover/focus in
 * the panel), every other token's background shows how much the focused token attends to it. Decorations
 * belong to an editor instance, and VS Code makes new ones for a file closed and opened again (and new
 * documents for a notebook's cells): `repaint()` paints the last picture on them.
 */
import * as vscode from 'vscode';
import { AttentionTrace, attentionRow } from '../engine/trace';

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
  }

  private last: { target: DecorationTarget; layer: number; head: number; query: number | null } | undefined;

  /** Paints the last picture again on the editors visible now (call when they change), on `target` if the analysis moved. */
  repaint(target?: DecorationTarget): void {
    if (this.last && target) this.paint(target, this.last.layer, this.last.head, this.last.query);
  }

  /** Decorates every visible editor of the document; `query` null clears. */
  paint(target: DecorationTarget, layer: number, head: number, query: number | null): void {
    this.last = { target, layer, head, query };
    const editors = vscode.window.visibleTextEditors.filter((e) => e.document.uri.toString() === target.uri.toString());
    const buckets: vscode.Range[][] = Array.from({ length: LEVELS }, () => []);
    const focused: vscode.Range[] = [];
    if (query !== null && query < target.trace.tokens.length) {
      const row = attentionRow(target.trace, layer, head, query);
      const max = Math.max(...row);
      for (const editor of editors.slice(0, 1)) {
        const doc = editor.document;
        target.trace.tokens.forEach((token, j) => {
          if (token.start === token.end) return;
          const range = new vscode.Range(doc.positionAt(target.baseOffset + token.start), doc.positionAt(target.baseOffset + token.end));
          if (j === query) {
            focused.push(range);
            return;
          }
          if (max <= 0 || row[j] <= 0) return;
          const level = Math.min(LEVELS - 1, Math.floor((row[j] / max) * LEVELS));
          if (row[j] / max >= 0.05) buckets[level].push(range);
        });
      }
    }
    for (const editor of editors) {
      this.levels.forEach((type, i) => editor.setDecorations(type, buckets[i]));
      editor.setDecorations(this.focusedType, focused);
    }
  }

  clear(): void {
    this.last = undefined;
    for (const editor of vscode.window.visibleTextEditors) {
      for (const type of this.levels) editor.setDecorations(type, []);
      editor.setDecorations(this.focusedType, []);
    }
  }

  dispose(): void {
    for (const type of this.levels) type.dispose();
    this.focusedType.dispose();
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
