/** The webview's strings, translated on the host (the webview has no access to vscode.l10n). */
import * as vscode from 'vscode';
import { UI_STRINGS, UiStrings } from '../shared/strings';

export function localizedUiStrings(): UiStrings {
  const out = {} as UiStrings;
  for (const key of Object.keys(UI_STRINGS) as Array<keyof UiStrings>) out[key] = vscode.l10n.t(UI_STRINGS[key]);
  return out;
}
