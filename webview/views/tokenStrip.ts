/**
 * Tokens in reading order; hovering or focusing one shades every other token by how much the focused
 * token attends to it, with the weight written under it. Arrow keys move, Escape clears, Enter reveals
 * the token in the editor. Used by the tokens view and, as the query picker, by the step view.
 */
import { format } from '../../src/shared/strings';
import { ViewModel, displayText, isMasked, weightRow } from '../viewModel';

export interface TokenStripEvents {
  focus(index: number | null): void;
  reveal(index: number): void;
}

export class TokenStrip {
  readonly element: HTMLElement;
  private chips: HTMLButtonElement[] = [];
  private weightLabels: HTMLSpanElement[] = [];
  private painted: number | null | undefined;

  /** `clearOnLeave`: the pointer leaving the strip clears the focus (off where the focus is a selection). */
  constructor(private readonly events: TokenStripEvents, clearOnLeave: boolean) {
    this.element = document.createElement('div');
    this.element.className = 'token-strip';
    this.element.setAttribute('role', 'toolbar');
    this.element.addEventListener('keydown', (e) => this.onKey(e));
    if (clearOnLeave) this.element.addEventListener('pointerleave', () => this.events.focus(null));
    // One delegated listener instead of one per token: 512 tokens stay cheap to build.
    this.element.addEventListener('pointerover', (e) => {
      const index = this.indexOf(e.target);
      if (index !== undefined) this.events.focus(index);
    });
    this.element.addEventListener('focusin', (e) => {
      const index = this.indexOf(e.target);
      if (index !== undefined) this.events.focus(index);
    });
    this.element.addEventListener('dblclick', (e) => {
      const index = this.indexOf(e.target);
      if (index !== undefined) this.events.reveal(index);
    });
  }

  private indexOf(target: EventTarget | null): number | undefined {
    const chip = (target as HTMLElement | null)?.closest?.('[data-token-index]') as HTMLElement | null;
    if (!chip || !this.element.contains(chip)) return undefined;
    const i = Number(chip.dataset.tokenIndex);
    return Number.isInteger(i) ? i : undefined;
  }

  render(vm: ViewModel, label: string): void {
    const { tokens } = vm.analysis.trace;
    this.element.setAttribute('aria-label', label);
    this.chips = [];
    this.weightLabels = [];
    const fragment = document.createDocumentFragment();
    tokens.forEach((token, i) => {
      const chip = document.createElement('button');
      chip.type = 'button';
      chip.className = 'token' + (token.special ? ' special' : '') + (token.partial ? ' partial' : '');
      chip.dataset.tokenIndex = String(i);
      chip.tabIndex = i === (vm.focused ?? 0) ? 0 : -1;
      const text = document.createElement('span');
      text.className = 'token-text';
      text.textContent = displayText(token.text);
      const weight = document.createElement('span');
      weight.className = 'token-weight';
      weight.setAttribute('aria-hidden', 'true');
      chip.append(text, weight);
      if (token.partial) chip.title = vm.strings.partialToken;
      else if (token.special) chip.title = vm.strings.specialToken;
      this.chips.push(chip);
      this.weightLabels.push(weight);
      fragment.appendChild(chip);
    });
    this.element.replaceChildren(fragment);
    this.painted = undefined;
    this.paint(vm);
  }

  /** The per-hover update: only styles and labels change. */
  paint(vm: ViewModel): void {
    const focused = vm.focused;
    const tokens = vm.analysis.trace.tokens;
    if (focused === null) {
      if (this.painted === null) return;
      for (let j = 0; j < this.chips.length; j++) {
        const chip = this.chips[j];
        chip.classList.remove('focused', 'masked');
        chip.style.removeProperty('--heat');
        this.weightLabels[j].textContent = '';
        chip.setAttribute('aria-label', displayText(tokens[j].text));
      }
      this.painted = null;
      return;
    }
    const row = weightRow(vm, focused);
    let max = 0;
    for (let j = 0; j < row.length; j++) if (row[j] > max) max = row[j];
    for (let j = 0; j < this.chips.length; j++) {
      const chip = this.chips[j];
      const label = this.weightLabels[j];
      chip.classList.toggle('focused', j === focused);
      const masked = isMasked(vm, focused, j);
      chip.classList.toggle('masked', masked);
      const w = row[j];
      // Shade relative to the row's largest weight (the legend says so); cap keeps text readable.
      chip.style.setProperty('--heat', `${max > 0 ? Math.round((w / max) * 55) : 0}%`);
      label.textContent = masked ? '' : w.toFixed(2);
      const name = displayText(tokens[j].text);
      chip.setAttribute('aria-label', j === focused ? format(vm.strings.attendsTo, name) : masked ? `${name}: ${vm.strings.masked}` : `${name}: ${vm.strings.weight} ${w.toFixed(3)}`);
      chip.tabIndex = j === focused ? 0 : -1;
    }
    this.painted = focused;
  }

  focusChip(index: number): void {
    this.chips[index]?.focus();
  }

  private onKey(e: KeyboardEvent): void {
    const index = this.indexOf(e.target);
    if (index === undefined) return;
    const moves: Record<string, number> = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1, Home: -Infinity, End: Infinity };
    if (e.key in moves) {
      e.preventDefault();
      const next = Math.max(0, Math.min(this.chips.length - 1, index + moves[e.key]));
      this.chips[next].focus();
    } else if (e.key === 'Escape') {
      e.preventDefault();
      (e.target as HTMLElement).blur();
      this.events.focus(null);
    } else if (e.key === 'Enter') {
      this.events.reveal(index);
    }
  }
}
