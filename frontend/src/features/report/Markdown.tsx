import { Children, isValidElement, useMemo, type ReactNode } from "react";
import ReactMarkdown, { type Components } from "react-markdown";
import rehypeSanitize from "rehype-sanitize";
import remarkGfm from "remark-gfm";
import { Signed } from "../../components/Signed";
import { rehypeUngrounded } from "./grounding";

/** Colours signed percentages in plain-text children. */
function signed(children: ReactNode): ReactNode {
  return Children.map(children, (child) => (typeof child === "string" ? <Signed text={child} /> : child));
}

const components: Components = {
  // A wide table scrolls sideways inside its own region, which the keyboard can reach.
  table: ({ children }) => (
    // eslint-disable-next-line jsx-a11y/no-noninteractive-tabindex
    <div className="table-scroll" role="region" aria-label="Table (scrolls sideways when wide)" tabIndex={0}>
      <table>{children}</table>
    </div>
  ),
  td: ({ children }) => <td>{signed(children)}</td>,
  li: ({ children }) => <li>{signed(children)}</li>,
  p: ({ children }) => <p>{signed(children)}</p>,
  a: ({ href, children }) => (
    <a href={href} target="_blank" rel="noopener noreferrer nofollow">
      {isValidElement(children) ? children : signed(children)}
    </a>
  ),
  // An image from another origin would load as soon as the report renders, telling that
  // server the report was read (a prompt-injected model's way out): it becomes a link.
  img: ({ src, alt }) => {
    if (typeof src !== "string") return <span>{alt || "image"}</span>;
    if (sameOrigin(src)) return <img src={src} alt={alt ?? ""} />;
    return (
      <a href={src} title={src} target="_blank" rel="noopener noreferrer nofollow" data-testid="external-image">
        {`Image: ${alt || "external image"}`}
      </a>
    );
  },
};

/** Whether `url` (absolute or relative) points at the app's own origin. */
export function sameOrigin(url: string): boolean {
  try {
    return new URL(url, window.location.href).origin === window.location.origin;
  } catch {
    return false;
  }
}

/**
 * Agent markdown, GitHub-flavoured (tables), sanitized. Raw HTML in the markdown is not parsed
 * (react-markdown escapes it) and rehype-sanitize drops anything unsafe that remains. Images
 * show only from the app's own origin (the CSP's img-src says the same); others are links.
 * `ungrounded`: figures no tool result holds, underlined after sanitizing (our own markup).
 */
export function Markdown({ content, ungrounded = NONE }: { content: string; ungrounded?: readonly string[] }) {
  const key = ungrounded.join("\u0000");
  // eslint-disable-next-line react-hooks/exhaustive-deps -- the figures' texts are the key
  const rehypePlugins = useMemo(() => [rehypeSanitize, rehypeUngrounded(ungrounded)], [key]);
  return (
    <div className="markdown" data-testid="markdown">
      <ReactMarkdown remarkPlugins={[remarkGfm]} rehypePlugins={rehypePlugins} components={components}>
        {content}
      </ReactMarkdown>
    </div>
  );
}

const NONE: readonly string[] = [];
