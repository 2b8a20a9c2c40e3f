/**
 * One sentence about the head the panel just opened (from a head label): shown above the view until
 * the learner closes it or a new analysis arrives. The panel places `headNote.element` once.
 */
import type { UiStrings } from '../../src/shared/strings';

class HeadNote {
  readonly element: HTMLElement;
  private readonly title: HTMLElement;
  private readonly text: HTMLElement;
  private readonly close: HTMLButtonElement;

  constructor() {
    this.element = document.createElement('aside');
    this.element.className = 'head-note';
    this.element.hidden = true;
    this.element.setAttribute('role', 'status');
    this.title = document.createElement('strong');
    this.text = document.createElement('span');
    this.text.className = 'head-note-text';
    this.close = document.createElement('button');
    this.close.type = 'button';
    this.close.className = 'head-note-close';
    this.close.textContent = '×';
    this.close.addEventListener('click', () => this.hide());
    this.element.append(this.title, this.text, this.close);
  }

  /** The view, layer and head the note is about: it goes when the panel shows another. */
  private about: { view: string; layer: number; head: number } | undefined;

  /** Hides the note unless the panel still shows what it is about. */
  follow(view: string, layer: number, head: number): void {
    const a = this.about;
    if (a && (a.view !== view || a.layer !== layer || a.head !== head)) this.hide();
  }

  show(strings: UiStrings, title: string, sentence: string, about?: { view: string; layer: number; head: number }): void {
    this.about = about;
    this.title.textContent = `${title}: `;
    this.text.textContent = sentence;
    this.close.title = strings.closeNote;
    this.close.setAttribute('aria-label', strings.closeNote);
    this.element.hidden = false;
  }

  hide(): void {
    this.element.hidden = true;
  }

  get shown(): string | undefined {
    return this.element.hidden ? undefined : this.text.textContent ?? undefined;
  }
}

export const headNote = new HeadNote();
