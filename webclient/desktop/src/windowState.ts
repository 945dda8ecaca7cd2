// The main window opens where it was left, unless that place is no longer on any screen
// (a monitor was unplugged): then it opens centred on the primary screen.

export interface Rect { x: number; y: number; width: number; height: number }
export interface WindowState extends Rect { maximized: boolean }

export const DEFAULT_SIZE = { width: 1280, height: 800 };
const MIN_VISIBLE = 100;

function overlap(a: Rect, b: Rect): { width: number; height: number } {
  return {
    width: Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x),
    height: Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y),
  };
}

/** Where to open: `saved` when at least 100×100 px of it lies on one of `workAreas` (the
 * first is the primary), else the default size centred on the primary, shrunk to fit it. */
export function restoreWindow(saved: WindowState | null, workAreas: Rect[]): WindowState {
  if (saved && workAreas.some((area) => {
    const o = overlap(saved, area);
    return o.width >= MIN_VISIBLE && o.height >= MIN_VISIBLE;
  })) return saved;
  const primary = workAreas[0] ?? { x: 0, y: 0, ...DEFAULT_SIZE };
  const width = Math.min(DEFAULT_SIZE.width, primary.width);
  const height = Math.min(DEFAULT_SIZE.height, primary.height);
  return {
    x: primary.x + Math.round((primary.width - width) / 2),
    y: primary.y + Math.round((primary.height - height) / 2),
    width, height, maximized: saved?.maximized ?? false,
  };
}
