/** The panel views the "see why" features add (the training lab, …), as lessons and settings name them. */
export const SEE_WHY_VIEWS = ['geometry', 'compare', 'lab'] as const;
export type SeeWhyViewId = (typeof SEE_WHY_VIEWS)[number];
