// Small inline icons (no icon font or emoji font needed), hidden from screen readers: the text
// beside them says what they mean.
export function SpeakerIcon() {
  return (
    <svg className="icon-svg" viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" focusable="false">
      <path fill="currentColor" d="M2 6h3l4-3v10L5 10H2z" />
      <path fill="none" stroke="currentColor" strokeWidth="1.5" d="M11 5.5a3.5 3.5 0 0 1 0 5M12.5 3.5a6 6 0 0 1 0 9" />
    </svg>
  );
}

export function ScreenIcon() {
  return (
    <svg className="icon-svg" viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" focusable="false">
      <rect x="1.5" y="2.5" width="13" height="9" rx="1" fill="none" stroke="currentColor" strokeWidth="1.5" />
      <path fill="currentColor" d="M5 14h6v1H5z" />
    </svg>
  );
}

export function ChannelIcon({ kind }: { kind: "text" | "voice" }) {
  return kind === "voice" ? <SpeakerIcon /> : <span aria-hidden="true">#</span>;
}
