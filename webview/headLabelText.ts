/** How a head label reads in the panel: its short name, the score, and the one-sentence explanation. */
import type { HeadLabel, HeadScore } from '../src/shared/headLabels';
import { UiStrings, format } from '../src/shared/strings';
import { displayText } from './viewModel';

export function labelName(strings: UiStrings, score: HeadScore): string {
  return strings[`label${score.kind}`];
}

export function labelScore(score: HeadScore): string {
  return score.score.toFixed(2);
}

/** The explanation of the head's top label, naming the tokens where it is strongest. */
export function explainLabel(strings: UiStrings, label: HeadLabel, tokens: readonly string[]): string {
  const s = label.top;
  const q = s.at ? displayText(tokens[s.at.query] ?? '') : '';
  const k = s.at ? displayText(tokens[s.at.key] ?? '') : '';
  // For sharp/broad the number in the sentence is the mean normalised entropy.
  const value = s.kind === 'sharp' ? 1 - s.score : s.score;
  return format(strings[`explain${s.kind}`], value.toFixed(2), (s.chance ?? 0).toFixed(2), q, k);
}

/** Tooltip lines: the label with its chance level, then the other scores. */
export function labelTip(strings: UiStrings, label: HeadLabel): string[] {
  const s = label.top;
  const head = format(strings.noteFor, label.layer, label.head);
  const main = s.chance !== undefined ? format(strings.labelTip, labelName(strings, s), labelScore(s), s.chance.toFixed(2), s.count) : `${labelName(strings, s)}: ${labelScore(s)}`;
  const others = label.scores.filter((x) => x !== s && x.chance !== undefined).map((x) => `${labelName(strings, x)} ${labelScore(x)}`);
  return [head, main, ...(others.length ? [format(strings.labelOther, others.join(', '))] : [])];
}
