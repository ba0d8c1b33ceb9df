import type { LucideIcon } from "lucide-react";
import type { ButtonHTMLAttributes } from "react";

interface Props extends ButtonHTMLAttributes<HTMLButtonElement> {
  icon: LucideIcon;
  /** The accessible name; shown as text too unless `iconOnly`. */
  label: string;
  iconOnly?: boolean;
  testId?: string;
}

/** A button with an SVG icon. Icon-only buttons keep their name for screen readers and a title. */
export function IconButton({ icon: Icon, label, iconOnly = false, testId, className, ...rest }: Props) {
  return (
    <button
      type="button"
      className={`btn ${iconOnly ? "icon" : ""} ${className ?? ""}`.trim()}
      aria-label={iconOnly ? label : undefined}
      title={iconOnly ? label : undefined}
      data-testid={testId}
      {...rest}
    >
      <Icon size={16} aria-hidden="true" />
      {!iconOnly && <span className="btn-text">{label}</span>}
    </button>
  );
}
