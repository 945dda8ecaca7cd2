// A modal dialog: labelled, focus moved in on open, kept inside while open (Tab and Shift+Tab
// wrap around) and moved back out on close; Escape closes it.
import { useEffect, useId, useRef, type ReactNode } from "react";

const FOCUSABLE = "a[href], input:not([disabled]), select:not([disabled]), textarea:not([disabled]), button:not([disabled]), [tabindex]:not([tabindex='-1'])";

export function Dialog({ title, onClose, children, describedBy }: {
  title: string; onClose: () => void; children: ReactNode; describedBy?: string;
}) {
  const id = useId();
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    const first = ref.current?.querySelector<HTMLElement>(FOCUSABLE);
    first?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") return onClose();
      if (event.key !== "Tab" || !ref.current) return;
      const inside = [...ref.current.querySelectorAll<HTMLElement>(FOCUSABLE)];
      if (!inside.length) return;
      const [head, tail] = [inside[0], inside[inside.length - 1]];
      const escaping = !ref.current.contains(document.activeElement);
      if (event.shiftKey && (document.activeElement === head || escaping)) {
        event.preventDefault();
        tail.focus();
      } else if (!event.shiftKey && (document.activeElement === tail || escaping)) {
        event.preventDefault();
        head.focus();
      }
    };
    addEventListener("keydown", onKey);
    return () => {
      removeEventListener("keydown", onKey);
      previous?.focus();
    };
  }, [onClose]);
  return (
    <div className="overlay" onClick={onClose}>
      <div className="dialog" role="dialog" aria-modal="true" aria-labelledby={id} aria-describedby={describedBy} ref={ref}
        onClick={(e) => e.stopPropagation()}>
        <h2 id={id}>{title}</h2>
        {children}
      </div>
    </div>
  );
}
