/**
 * Every string the webview shows, in English. The host translates each through vscode.l10n
 * (l10n/bundle.l10n.zh-cn.json) and sends the result in the 'init' message.
 */
export const UI_STRINGS = {
  title: 'Attention',
  model: 'Model',
  tokenizer: 'Tokenizer',
  tokens: 'Tokens',
  layer: 'Layer',
  head: 'Head',
  allHeads: 'Mean of heads',
  view: 'View',
  viewTokens: 'Tokens',
  viewMatrix: 'Matrix',
  viewHeads: 'Head view',
  viewModel: 'Model view',
  viewSteps: 'Step by step',
  stage: 'Training stage',
  running: 'Running the model…',
  loading: 'Loading the model…',
  empty: 'Select text in an editor and run "Show Attention".',
  truncated: 'The text was cut from {0} to {1} tokens to fit the model.',
  hoverHint: 'Hover or focus a token (arrow keys move) to see what it attends to.',
  attendsTo: '“{0}” attends to',
  weight: 'weight',
  query: 'query',
  key: 'key',
  masked: 'masked (future token)',
  recomputeBackend: 'Live recompute on {0}',
  recomputeCheck: 'max difference from the model: {0}',
  scaleBySqrtDk: 'Divide by √dk',
  causalMask: 'Causal mask',
  temperature: 'Temperature',
  entropy: 'entropy',
  maxWeight: 'max weight',
  partialToken: 'part of a character split over several byte-level tokens',
  specialToken: 'special token',
  stale: 'The text changed since this analysis: run Show Attention again.',
  error: 'Error',
  exportPng: 'Export PNG',
  exportSvg: 'Export SVG',
  exportCsv: 'Export CSV',
  exportJson: 'Export JSON',
  rollout: 'Attention rollout',
  aggregate: 'Aggregate',
  none: 'None',
  legend: 'Attention weight',
  timing: 'loaded in {0} ms, ran in {1} ms',
} as const;

export type UiStringKey = keyof typeof UI_STRINGS;
export type UiStrings = { [K in UiStringKey]: string };

/** Fills {0}, {1}… placeholders. */
export function format(template: string, ...args: Array<string | number>): string {
  return template.replace(/\{(\d+)\}/g, (m, i: string) => (args[Number(i)] !== undefined ? String(args[Number(i)]) : m));
}
