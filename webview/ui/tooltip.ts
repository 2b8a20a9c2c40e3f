/**
 * One tooltip for the whole panel: views show it on hover and on keyboard focus alike, Escape hides it.
 * Views keep their own aria-labels; the tooltip is for sighted users (aria-hidden, so nothing is read twice).
 */
let element: HTMLElement | undefined;

function tip(): HTMLElement {
  if (!element) {
    element = document.createElement('div');
    element.className = 'qkv-tooltip';
    element.setAttribute('role', 'tooltip');
    element.setAttribute('aria-hidden', 'true');
    element.hidden = true;
    document.body.appendChild(element);
    window.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') hideTooltip();
    });
    window.addEventListener('scroll', () => hideTooltip(), { passive: true, capture: true });
  }
  return element;
}

/** Shows `lines` near a point (pointer) or below/above a box (a focused element). */
export function showTooltip(lines: string[], at: { x: number; y: number } | DOMRect): void {
  const el = tip();
  if (el.childElementCount !== lines.length || Array.from(el.children).some((c, i) => c.textContent !== lines[i])) {
    el.replaceChildren(
      ...lines.map((line, i) => {
        const div = document.createElement('div');
        if (i === 0) div.className = 'tip-title';
        div.textContent = line;
        return div;
      }),
    );
  }
  el.hidden = false;
  const box = el.getBoundingClientRect();
  const anchor = 'width' in at ? { x: at.left, y: at.bottom + 4, above: at.top - 4 } : { x: at.x + 14, y: at.y + 16, above: at.y - 8 };
  let x = Math.min(anchor.x, window.innerWidth - box.width - 4);
  let y = anchor.y;
  if (y + box.height > window.innerHeight) y = Math.max(0, anchor.above - box.height);
  x = Math.max(0, x);
  el.style.transform = `translate(${Math.round(x)}px, ${Math.round(y)}px)`;
}

export function hideTooltip(): void {
  if (element) element.hidden = true;
}

export function tooltipVisible(): boolean {
  return !!element && !element.hidden;
}
