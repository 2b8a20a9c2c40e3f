/**
 * The webview strings of the "see why" features (head labels, the q·k geometry, the training lab, side
 * by side), in English; part of UI_STRINGS (src/shared/strings.ts), translated like every other one.
 */
export const SEE_WHY_STRINGS = {
  labelprevious: 'previous token',
  labelfirst: 'first token',
  labelself: 'itself',
  labelinduction: 'induction',
  labelbracket: 'brackets',
  labelsharp: 'sharp',
  labelbroad: 'broad',
  explainprevious: 'Previous-token head: each token gives on average {0} of its attention to the token just before it (chance {1}); strongest at “{2}” → “{3}”.',
  explainfirst: 'First-token (“sink”) head: tokens put on average {0} of their attention on the first token (chance {1}), a place to park attention when nothing else matters; strongest at “{2}” → “{3}”.',
  explainself: 'Self head: each token gives on average {0} of its attention to itself (chance {1}); strongest at “{2}” → “{3}”.',
  explaininduction: 'Induction head: a token seen before attends to the token that followed it last time ({0} on average, chance {1}), so the model can copy what came next; strongest at “{2}” → “{3}”.',
  explainbracket: 'Bracket head: a closing bracket gives on average {0} of its attention to the bracket it closes (chance {1}); strongest at “{2}” → “{3}”.',
  explainsharp: 'Sharp head with no simple pattern on this text: most rows put their weight on one or two keys (mean normalised entropy {0}, 1 is uniform); sharpest at “{2}” → “{3}”.',
  explainbroad: 'Broad head: its attention is spread over many keys (mean normalised entropy {0}, 1 is uniform), averaging the context rather than picking a token; sharpest at “{2}” → “{3}”.',
  labelHint: 'Under each head, the pattern its attention follows most on this text and its score (mean weight). Click a label, or press Enter on it, to read what it means and open the head where the pattern is strongest.',
  labelAria: 'Layer {0}, head {1}: {2}, score {3}. Press Enter to explain it and open the head where it is strongest.',
  labelTip: '{0}: score {1}, chance {2}, over {3} queries',
  labelOther: 'other scores: {0}',
  closeNote: 'Close',
  noteFor: 'Layer {0} · head {1}',
} as const;
