// The activity button's icon, a small bar chart (hidden from screen readers: the button is labelled);
// apart from the page, so the page and Chart.js load only when opened.
export function ActivityIcon() {
  return (
    <svg className="icon-svg" viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" focusable="false">
      <path fill="currentColor" d="M2 14h12v1.5H2zM3 8h2.5v5H3zM7 4h2.5v9H7zM11 10h2.5v3H11z" />
    </svg>
  );
}
