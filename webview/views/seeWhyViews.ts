/** The "see why" views and their tabs, registered with the panel in one place (webview/main.ts spreads these). */
import type { SeeWhyViewId } from '../../src/shared/seeWhyViews';
import type { UiStrings } from '../../src/shared/strings';
import { CompareView } from './compareView';
import { GeometryView } from './geometryView';
import { LabView } from './labView';
import type { View, ViewActions } from './view';

export function seeWhyViews(actions: ViewActions): Record<SeeWhyViewId, View> {
  return { geometry: new GeometryView(actions), compare: new CompareView(actions), lab: new LabView(actions) };
}

export function seeWhyTabs(strings: UiStrings): Array<{ id: SeeWhyViewId; label: string }> {
  return [
    { id: 'geometry', label: strings.viewGeometry },
    { id: 'compare', label: strings.viewCompare },
    { id: 'lab', label: strings.viewLab },
  ];
}
