/**
 * Tokens in reading order; hovering or focusing one shades every other token by how much the focused
 * token attends to it, with the weight written under it. Arrow keys move, Escape clears.
 */
import { format } from '../../src/shared/strings';
import { ViewModel, displayText, isMasked, weightRow } from '../viewModel';

export interface TokenViewEvents {
  focus(index: number | null): void;
  reveal(index: number): void;
}

export class TokenView {
  readonly element: HTMLElement;
  private chips: HTMLButtonElement[] = [];
  private weightsLabels: HTMLSpanElement[] = [];

  constructor(private readonly events: TokenViewEvents) {
    this.element = document.createElement('div');
    this.element.className = 'token-strip';
    this.element.setAttribute('role', 'toolbar');
    this.element.addEventListener('keydown', (e) => this.onKey(e));
    this.element.addEventListener('pointerleave', () => this.events.focus(null));
  }

  render(vm: ViewModel): void {
    const { tokens } = vm.analysis.trace;
    this.element.setAttribute('aria-label', vm.strings.hoverHint);
    this.element.replaceChildren();
    this.chips = [];
    this.weightsLabels = [];
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
      chip.addEventListener('pointerenter', () => this.events.focus(i));
      chip.addEventListener('focus', () => this.events.focus(i));
      chip.addEventListener('dblclick', () => this.events.reveal(i));
      this.chips.push(chip);
      this.weightsLabels.push(weight);
      this.element.appendChild(chip);
    });
    this.paint(vm);
  }

  /** Cheap per-hover update: only styles and labels change. */
  paint(vm: ViewModel): void {
    const focused = vm.focused;
    const row = focused === null ? null : weightRow(vm, focused);
    let max = 0;
    if (row) for (const w of row) max = Math.max(max, w);
    const tokens = vm.analysis.trace.tokens;
    for (let j = 0; j < this.chips.length; j++) {
      const chip = this.chips[j];
      const label = this.weightsLabels[j];
      chip.classList.toggle('focused', j === focused);
      if (!row || focused === null) {
        chip.style.removeProperty('--heat');
        chip.classList.remove('masked');
        label.textContent = '';
        chip.setAttribute('aria-label', displayText(tokens[j].text));
        continue;
      }
      const masked = isMasked(vm, focused, j);
      chip.classList.toggle('masked', masked);
      const w = row[j];
      chip.style.setProperty('--heat', String(max > 0 ? Math.round((w / max) * 100) : 0) + '%');
      label.textContent = masked ? '' : w.toFixed(2);
      const name = displayText(tokens[j].text);
      chip.setAttribute('aria-label', j === focused ? format(vm.strings.attendsTo, name) : masked ? `${name}: ${vm.strings.masked}` : `${name}: ${vm.strings.weight} ${w.toFixed(3)}`);
    }
    if (focused !== null) {
      for (const c of this.chips) c.tabIndex = -1;
      if (this.chips[focused]) this.chips[focused].tabIndex = 0;
    }
  }

  focusChip(index: number): void {
    this.chips[index]?.focus();
  }

  private onKey(e: KeyboardEvent): void {
    const target = e.target as HTMLElement;
    const index = Number(target.dataset.tokenIndex);
    if (!Number.isInteger(index)) return;
    const moves: Record<string, number> = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1, Home: -Infinity, End: Infinity };
    if (e.key in moves) {
      e.preventDefault();
      const next = Math.max(0, Math.min(this.chips.length - 1, index + moves[e.key]));
      this.chips[next].focus();
    } else if (e.key === 'Escape') {
      e.preventDefault();
      target.blur();
      this.events.focus(null);
    } else if (e.key === 'Enter') {
      this.events.reveal(index);
    }
  }
}
