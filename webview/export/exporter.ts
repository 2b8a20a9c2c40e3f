/** Export of the current view: PNG and SVG of what is shown, CSV and JSON of the numbers behind it. */
import { ExportFormat, MAX_EXPORT_CHARS } from '../../src/shared/protocol';
import { format } from '../../src/shared/strings';
import { css, palette } from '../ui/colors';
import { View } from '../views/view';
import { ViewModel, headLabel } from '../viewModel';
import { elementToSvg, svgToPng } from './svg';

export interface ExportFile {
  format: ExportFormat;
  fileName: string;
  data: string;
}

export function exportFileName(vm: ViewModel, ext: ExportFormat, query?: number): string {
  const head = vm.head >= 0 ? `h${vm.head}` : vm.head === -1 ? 'mean' : 'rollout';
  const q = vm.view === 'steps' && query !== undefined ? `-q${query}` : '';
  const layer = vm.view === 'model' ? '' : `-L${vm.layer}-${head}`;
  return `qkv-${vm.view}${layer}${q}.${ext}`;
}

export async function exportView(vm: ViewModel, view: View, kind: ExportFormat): Promise<ExportFile> {
  let data: string;
  if (kind === 'csv' || kind === 'json') {
    const numbers = view.exportData(vm);
    data = kind === 'csv' ? numbers.csv : JSON.stringify(numbers.json);
  } else {
    const { model } = vm.analysis.trace;
    const title = `${vm.analysis.source} · ${model.name} · ${vm.view === 'model' ? vm.strings.viewModel : `${vm.strings.layer} ${vm.layer} · ${headLabel(vm)}`}`;
    const svg = elementToSvg(view.element, css(palette().bg), (c) => view.canvasSvg?.(c, vm), title);
    data = kind === 'svg' ? svg.svg : await svgToPng(svg);
  }
  if (data.length > MAX_EXPORT_CHARS) throw new Error(format(vm.strings.exportTooLarge, Math.round(data.length / 1e6)));
  return { format: kind, fileName: exportFileName(vm, kind, vm.focused ?? undefined), data };
}
