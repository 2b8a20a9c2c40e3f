/** An editor hover on an analysed token: its most-attended tokens with their weights. */
import * as vscode from 'vscode';
import { DecorationTarget, tokenAtOffset } from './attentionDecorations';

export interface HoverSource {
  /** The current analysis, if it is still valid for this document (not stale). */
  target(uri: vscode.Uri): DecorationTarget | undefined;
  /** Token `index`'s row as the panel shows it, with its layer and head (-1 mean, -2 rollout). */
  rowFor(index: number): Promise<{ row: Float32Array; layer: number; head: number } | undefined>;
}

export function attentionHoverProvider(source: HoverSource): vscode.HoverProvider {
  return {
    async provideHover(document, position) {
      const target = source.target(document.uri);
      if (!target) return undefined;
      const index = tokenAtOffset(target, document.offsetAt(position));
      if (index === undefined) return undefined;
      const answer = await source.rowFor(index);
      if (!answer) return undefined;
      const { row, layer, head } = answer;
      const tokens = target.trace.tokens;
      const top = Array.from(row.keys())
        .filter((j) => row[j] > 0)
        .sort((a, b) => row[b] - row[a])
        .slice(0, 5);
      const md = new vscode.MarkdownString();
      const headName = head === -2 ? vscode.l10n.t('rollout') : head < 0 ? vscode.l10n.t('mean of heads') : vscode.l10n.t('head {0}', head);
      md.appendMarkdown(`**QKV Lens** · ${vscode.l10n.t('layer {0}', layer)}, ${headName}\n\n`);
      md.appendMarkdown(`${vscode.l10n.t('“{0}” attends most to:', tokens[index].text.replace(/[`*_[\]]/g, ''))}\n\n`);
      md.appendMarkdown('| token | weight |\n|---|---:|\n');
      for (const j of top) md.appendMarkdown(`| \`${JSON.stringify(tokens[j].text).slice(1, -1).replace(/[`|]/g, ' ')}\` | ${row[j].toFixed(3)} |\n`);
      const start = document.positionAt(target.baseOffset + tokens[index].start);
      const end = document.positionAt(target.baseOffset + tokens[index].end);
      return new vscode.Hover(md, new vscode.Range(start, end));
    },
  };
}
