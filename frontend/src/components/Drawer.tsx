/**
 * A side drawer on the native <dialog>: modal (focus stays inside, Escape and a click outside
 * close it, the page behind is inert) and sized to the screen. History opens on the left, the
 * agent timeline on the right; later panels (watchlist, notifications) can open here too.
 */
import { X } from "lucide-react";
import { useEffect, useRef, type ReactNode } from "react";

interface Props {
  open: boolean;
  side: "left" | "right";
  title: string;
  onClose: () => void;
  testId?: string;
  actions?: ReactNode;
  children: ReactNode;
}

export function Drawer({ open, side, title, onClose, testId, actions, children }: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = `drawer-${side}-title`;
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);

  return (
    // A click on the backdrop lands on the <dialog> itself: its content fills it otherwise.
    // eslint-disable-next-line jsx-a11y/click-events-have-key-events, jsx-a11y/no-noninteractive-element-interactions
    <dialog
      ref={ref}
      className={`drawer ${side}`}
      aria-labelledby={titleId}
      data-testid={testId}
      onClose={onClose}
      onClick={(event) => {
        if (event.target === event.currentTarget) onClose();
      }}
    >
      <div className="drawer-body">
        <header className="drawer-head">
          <h2 id={titleId}>{title}</h2>
          <span className="grow" />
          {actions}
          <button type="button" className="btn icon ghost" onClick={onClose} aria-label={`Close ${title.toLowerCase()}`} title="Close">
            <X size={16} aria-hidden="true" />
          </button>
        </header>
        {open && children}
      </div>
    </dialog>
  );
}
