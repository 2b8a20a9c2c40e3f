/** A few of VS Code's theme variables, enough to render the webview outside VS Code as in a real theme. */
export type ThemeName = 'dark' | 'light' | 'high-contrast' | 'high-contrast-light';

const THEMES: Record<ThemeName, { bodyClass: string; vars: Record<string, string> }> = {
  dark: {
    bodyClass: 'vscode-dark',
    vars: {
      'foreground': '#cccccc', 'editor-background': '#1f1f1f', 'descriptionForeground': '#9d9d9d', 'focusBorder': '#0078d4',
      'panel-border': '#2b2b2b', 'charts-blue': '#3794ff', 'charts-orange': '#d18616', 'charts-green': '#89d185', 'charts-red': '#f14c4c', 'charts-purple': '#b180d7', 'charts-yellow': '#cca700',
      'errorForeground': '#f85149', 'editorWarning-foreground': '#cca700', 'font-family': 'system-ui, sans-serif', 'font-size': '13px',
      'editor-font-family': "'Droid Sans Mono', 'Noto Sans Mono CJK SC', monospace", 'button-background': '#0078d4', 'button-foreground': '#ffffff', 'button-secondaryBackground': '#313131', 'button-secondaryForeground': '#cccccc', 'button-secondaryHoverBackground': '#3c3c3c',
      'dropdown-background': '#313131', 'dropdown-foreground': '#cccccc', 'dropdown-border': '#3c3c3c', 'checkbox-background': '#313131', 'checkbox-border': '#3c3c3c',
      'input-background': '#313131', 'input-foreground': '#cccccc',
    },
  },
  light: {
    bodyClass: 'vscode-light',
    vars: {
      'foreground': '#3b3b3b', 'editor-background': '#ffffff', 'descriptionForeground': '#717171', 'focusBorder': '#005fb8',
      'panel-border': '#e5e5e5', 'charts-blue': '#1a85ff', 'charts-orange': '#d18616', 'charts-green': '#388a34', 'charts-red': '#e51400', 'charts-purple': '#652d90', 'charts-yellow': '#bf8803',
      'errorForeground': '#f85149', 'editorWarning-foreground': '#bf8803', 'font-family': 'system-ui, sans-serif', 'font-size': '13px',
      'editor-font-family': "'Droid Sans Mono', 'Noto Sans Mono CJK SC', monospace", 'button-background': '#005fb8', 'button-foreground': '#ffffff', 'button-secondaryBackground': '#e5e5e5', 'button-secondaryForeground': '#3b3b3b', 'button-secondaryHoverBackground': '#cccccc',
      'dropdown-background': '#ffffff', 'dropdown-foreground': '#3b3b3b', 'dropdown-border': '#cecece', 'checkbox-background': '#f8f8f8', 'checkbox-border': '#cecece',
      'input-background': '#ffffff', 'input-foreground': '#3b3b3b',
    },
  },
  'high-contrast': {
    bodyClass: 'vscode-high-contrast',
    vars: {
      'foreground': '#ffffff', 'editor-background': '#000000', 'descriptionForeground': '#ffffff', 'focusBorder': '#f38518',
      'panel-border': '#6fc3df', 'contrastBorder': '#6fc3df', 'charts-blue': '#3794ff', 'charts-orange': '#d18616', 'charts-green': '#89d185', 'charts-red': '#f14c4c', 'charts-purple': '#b180d7', 'charts-yellow': '#ffd700',
      'errorForeground': '#f48771', 'editorWarning-foreground': '#ffd700', 'font-family': 'system-ui, sans-serif', 'font-size': '13px',
      'editor-font-family': "'Droid Sans Mono', 'Noto Sans Mono CJK SC', monospace", 'button-background': '#000000', 'button-foreground': '#ffffff', 'button-secondaryBackground': '#000000', 'button-secondaryForeground': '#ffffff', 'button-border': '#6fc3df',
      'dropdown-background': '#000000', 'dropdown-foreground': '#ffffff', 'dropdown-border': '#6fc3df', 'checkbox-background': '#000000', 'checkbox-border': '#6fc3df',
      'input-background': '#000000', 'input-foreground': '#ffffff',
    },
  },
  // VS Code's "Light High Contrast": its registered defaults for hcLight (code-server 4.100's workbench).
  'high-contrast-light': {
    bodyClass: 'vscode-high-contrast vscode-high-contrast-light',
    vars: {
      'foreground': '#292929', 'editor-background': '#ffffff', 'descriptionForeground': 'rgba(41, 41, 41, 0.7)', 'focusBorder': '#006bbd',
      'panel-border': '#0f4a85', 'contrastBorder': '#0f4a85', 'charts-blue': '#1a85ff', 'charts-orange': '#0f4a85', 'charts-green': '#374e06', 'charts-red': '#b5200d', 'charts-purple': '#652d90', 'charts-yellow': '#895503',
      'errorForeground': '#b5200d', 'editorWarning-foreground': '#895503', 'font-family': 'system-ui, sans-serif', 'font-size': '13px',
      'editor-font-family': "'Droid Sans Mono', 'Noto Sans Mono CJK SC', monospace", 'button-background': '#0f4a85', 'button-foreground': '#ffffff', 'button-secondaryBackground': '#ffffff', 'button-secondaryForeground': '#292929', 'button-border': '#0f4a85',
      'dropdown-background': '#ffffff', 'dropdown-foreground': '#292929', 'dropdown-border': '#0f4a85', 'checkbox-background': '#ffffff', 'checkbox-border': '#0f4a85',
      'input-background': '#ffffff', 'input-foreground': '#292929',
    },
  },
};

export function themeCss(name: ThemeName): { bodyClass: string; css: string } {
  const t = THEMES[name];
  const vars = Object.entries(t.vars).map(([k, v]) => `--vscode-${k}: ${v};`).join(' ');
  return { bodyClass: t.bodyClass, css: `html { ${vars} }` };
}
