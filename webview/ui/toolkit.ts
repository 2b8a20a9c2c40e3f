/**
 * The only module that knows about @vscode/webview-ui-toolkit (deprecated upstream since 2025-01):
 * swap these few functions to move to another component library.
 */
import { provideVSCodeDesignSystem, vsCodeButton, vsCodeCheckbox, vsCodeDropdown, vsCodeOption } from '@vscode/webview-ui-toolkit';

provideVSCodeDesignSystem().register(vsCodeButton(), vsCodeCheckbox(), vsCodeDropdown(), vsCodeOption());

export interface Choice {
  value: string;
  label: string;
}

/** A labelled dropdown; `onChange` gets the chosen value. */
export function dropdown(id: string, label: string, choices: Choice[], value: string, onChange: (value: string) => void): HTMLElement {
  const wrap = document.createElement('div');
  wrap.className = 'control';
  const caption = document.createElement('label');
  caption.htmlFor = id;
  caption.textContent = label;
  const select = document.createElement('vscode-dropdown') as HTMLElement & { value: string };
  select.id = id;
  select.setAttribute('aria-label', label);
  for (const c of choices) {
    const option = document.createElement('vscode-option') as HTMLElement & { value: string };
    option.setAttribute('value', c.value);
    option.textContent = c.label;
    if (c.value === value) option.setAttribute('selected', '');
    select.appendChild(option);
  }
  select.addEventListener('change', () => onChange(select.value));
  wrap.append(caption, select);
  return wrap;
}

export function checkbox(id: string, label: string, checked: boolean, onChange: (checked: boolean) => void): HTMLElement {
  const box = document.createElement('vscode-checkbox') as HTMLElement & { checked: boolean };
  box.id = id;
  box.textContent = label;
  if (checked) box.setAttribute('checked', '');
  box.addEventListener('change', () => onChange(box.checked));
  return box;
}

export function button(id: string, label: string, onClick: () => void, appearance: 'primary' | 'secondary' = 'secondary'): HTMLElement {
  const b = document.createElement('vscode-button');
  b.id = id;
  b.setAttribute('appearance', appearance);
  b.textContent = label;
  b.addEventListener('click', onClick);
  return b;
}

export interface Tab {
  id: string;
  label: string;
}

/**
 * A row of tabs (WAI-ARIA tabs pattern: one tab stop, arrow keys move, Home/End jump). Native buttons
 * styled like VS Code's panel tabs; `controls` is the id of the panel they switch.
 */
export function tabs(label: string, items: Tab[], selected: string, controls: string, onSelect: (id: string) => void): { element: HTMLElement; select(id: string): void } {
  const list = document.createElement('div');
  list.className = 'tabs';
  list.setAttribute('role', 'tablist');
  list.setAttribute('aria-label', label);
  const buttons = items.map((item) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'tab';
    b.id = `tab-${item.id}`;
    b.dataset.view = item.id;
    b.setAttribute('role', 'tab');
    b.setAttribute('aria-controls', controls);
    b.setAttribute('aria-selected', String(item.id === selected));
    b.tabIndex = item.id === selected ? 0 : -1;
    b.textContent = item.label;
    b.addEventListener('click', () => onSelect(item.id));
    return b;
  });
  list.addEventListener('keydown', (e) => {
    const i = buttons.indexOf(e.target as HTMLButtonElement);
    if (i < 0) return;
    const next = e.key === 'ArrowRight' ? i + 1 : e.key === 'ArrowLeft' ? i - 1 : e.key === 'Home' ? 0 : e.key === 'End' ? buttons.length - 1 : undefined;
    if (next === undefined) return;
    e.preventDefault();
    const b = buttons[(next + buttons.length) % buttons.length];
    b.focus();
    onSelect(b.dataset.view ?? '');
  });
  list.append(...buttons);
  return {
    element: list,
    select(id: string) {
      for (const b of buttons) {
        b.setAttribute('aria-selected', String(b.dataset.view === id));
        b.tabIndex = b.dataset.view === id ? 0 : -1;
      }
    },
  };
}
