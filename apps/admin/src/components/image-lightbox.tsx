"use client";

import { useEffect, useRef, useState } from "react";
import { stepIndex } from "../lib/navigation";

export interface LightboxImage {
  id: string;
  alt: string;
  label: string;
}

/**
 * The large view of a page's images. Links marked `data-lightbox="<index>"` open it in place instead of a
 * new tab (a modified or middle click still opens the tab); ←/→ step through the images, Esc closes and the
 * browser returns focus to the link. The links stay plain links, so the page works before this script runs.
 */
export function ImageLightbox({ images }: { images: LightboxImage[] }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [index, setIndex] = useState<number | null>(null);

  useEffect(() => {
    function onClick(e: MouseEvent) {
      if (e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
      const link = (e.target as Element | null)?.closest?.("a[data-lightbox]");
      const at = Number(link?.getAttribute("data-lightbox"));
      if (!link || !Number.isInteger(at) || !images[at]) return;
      e.preventDefault();
      setIndex(at);
      if (!dialog.current?.open) dialog.current?.showModal();
    }
    document.addEventListener("click", onClick);
    // Says the links open in place from now on (tests wait for it instead of racing hydration).
    dialog.current?.setAttribute("data-ready", "");
    return () => document.removeEventListener("click", onClick);
  }, [images]);

  const shown = index === null ? undefined : images[index];
  const step = (delta: number) => setIndex((i) => (i === null ? i : stepIndex(i, delta, images.length)));

  return (
    <dialog
      ref={dialog}
      className="modal modal-image"
      aria-label={shown ? `${shown.label}, large` : "Large image"}
      data-testid="lightbox"
      onClose={() => setIndex(null)}
      onKeyDown={(e) => {
        if (e.key === "ArrowRight") step(1);
        else if (e.key === "ArrowLeft") step(-1);
        else return;
        e.preventDefault();
      }}
    >
      {shown ? (
        <>
          <div className="card-head">
            <h2>
              {shown.label}{" "}
              <span className="muted small">
                · {(index ?? 0) + 1} of {images.length}
              </span>
            </h2>
            <div className="row">
              {images.length > 1 ? (
                <>
                  <button type="button" className="btn btn-sm" onClick={() => step(-1)} aria-label="Previous image">
                    ← <kbd>←</kbd>
                  </button>
                  <button type="button" className="btn btn-sm" onClick={() => step(1)} aria-label="Next image">
                    <kbd>→</kbd> →
                  </button>
                </>
              ) : null}
              <a className="btn btn-sm" href={`/images/${encodeURIComponent(shown.id)}`} target="_blank" rel="noreferrer">
                Full resolution ↗
              </a>
              {/* biome-ignore lint/a11y/noAutofocus: the dialog's first control takes focus; Close is the safe one. */}
              <button type="button" className="btn btn-ghost btn-sm" onClick={() => dialog.current?.close()} autoFocus>
                Close <kbd>Esc</kbd>
              </button>
            </div>
          </div>
          <figure>
            {/* biome-ignore lint/performance/noImgElement: authenticated image through the admin's image route. */}
            <img src={`/images/${encodeURIComponent(shown.id)}?size=1024`} alt={shown.label} className="lightbox-image" />
            <figcaption className="card-body small">{shown.alt}</figcaption>
          </figure>
        </>
      ) : null}
    </dialog>
  );
}
