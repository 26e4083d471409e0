import type { ReactNode } from 'react';

/**
 * A table inside a region that scrolls sideways on its own (never the page) and that keyboard users can focus and
 * scroll; the region is named by the table's caption.
 */
export function ScrollTable({
  id,
  caption,
  captionClassName,
  className,
  busy,
  children,
}: {
  /** Prefix of the caption's id. */
  id: string;
  caption: ReactNode;
  captionClassName?: string;
  className?: string;
  busy?: boolean;
  children: ReactNode;
}) {
  const captionId = `${id}-caption`;
  return (
    <div className="table-scroll" role="region" aria-labelledby={captionId} tabIndex={0}>
      <table className={className} aria-busy={busy}>
        <caption id={captionId} className={captionClassName}>
          {caption}
        </caption>
        {children}
      </table>
    </div>
  );
}
