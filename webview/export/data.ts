/** CSV and JSON shapes for exported numbers: plain, with the tokens and the settings they came from. */
import type { ViewModel } from '../viewModel';
import { MEAN_OF_HEADS } from '../viewModel';

/** One CSV field, quoted when it needs to be (RFC 4180). */
export function csvField(v: string | number): string {
  const s = String(v);
  return /[",\n\r]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvRow(fields: Array<string | number>): string {
  return fields.map(csvField).join(',');
}

/** A [T, T] matrix with token names on both axes: rows are queries, columns keys. */
export function matrixCsv(vm: ViewModel, m: Float32Array): string {
  const tokens = vm.analysis.trace.tokens;
  const t = tokens.length;
  const lines = [csvRow(['query \\ key', ...tokens.map((tok, j) => `${j}:${tok.text}`)])];
  for (let i = 0; i < t; i++) {
    const row: Array<string | number> = [`${i}:${tokens[i].text}`];
    for (let j = 0; j < t; j++) row.push(fmt(m[i * t + j]));
    lines.push(csvRow(row));
  }
  return lines.join('\n') + '\n';
}

export function matrixRows(m: Float32Array, t: number): number[][] {
  return Array.from({ length: t }, (_, i) => Array.from(m.subarray(i * t, (i + 1) * t), fmt));
}

/** Shortest decimal that round-trips a float32 (keeps exports small and exact). */
export function fmt(x: number): number {
  return Number(Math.fround(x).toPrecision(9));
}

/** What every JSON export starts with: which model, text, layer, head and what-ifs the numbers belong to. */
export function exportHeader(vm: ViewModel): Record<string, unknown> {
  const { model, tokens } = vm.analysis.trace;
  return {
    source: vm.analysis.source,
    model: { name: model.name, architecture: model.architecture, layers: model.layers, heads: model.heads, headDim: model.headDim, causal: model.causal },
    ...(vm.analysis.stage !== undefined ? { stage: vm.analysis.stage } : {}),
    view: vm.view,
    layer: vm.layer,
    head: vm.head >= 0 ? vm.head : vm.head === MEAN_OF_HEADS ? 'mean' : 'rollout',
    whatIf: vm.whatIf,
    tokens: tokens.map((t) => t.text),
  };
}
