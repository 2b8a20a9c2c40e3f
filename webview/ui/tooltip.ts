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
  // Placed without measuring itself (no forced layout on the hover path): right of and below the
  // anchor, flipped to the left or above in the right or bottom part of the window.
  const box = 'width' in at ? { x: at.left, y: at.bottom + 4, top: at.top - 4 } : { x: at.x + 14, y: at.y + 16, top: at.y - 8 };
  const flipX = box.x > window.innerWidth * 0.6;
  const flipY = box.y > window.innerHeight * 0.7;
  const x = flipX ? ('width' in at ? at.right : at.x - 8) : box.x;
  const y = flipY ? box.top : box.y;
  el.style.transform = `translate(${Math.round(x)}px, ${Math.round(y)}px) translate(${flipX ? '-100%' : '0'}, ${flipY ? '-100%' : '0'})`;
}

export function hideTooltip(): void {
  if (element) element.hidden = true;
}

export function tooltipVisible(): boolean {
  return !!element && !element.hidden;
}
