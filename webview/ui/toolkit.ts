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
