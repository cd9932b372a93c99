/**
 * An image served through the admin's `/images/:id` route, which adds the signed-in key.
 * The API scales it to the requested size, so the browser downloads what it displays (2x for dense screens).
 */
export function ImageThumb({
  id,
  size,
  alt,
  className = "thumb",
  eager = false,
}: {
  id: string;
  size: number;
  alt: string;
  className?: string;
  eager?: boolean;
}) {
  const src = `/images/${encodeURIComponent(id)}?size=${size}`;
  const src2x = `/images/${encodeURIComponent(id)}?size=${Math.min(size * 2, 1024)}`;
  return (
    // biome-ignore lint/performance/noImgElement: bytes come from the API through an authenticated route, not next/image.
    <img
      src={src}
      srcSet={size * 2 <= 1024 ? `${src} 1x, ${src2x} 2x` : undefined}
      alt={alt}
      className={className}
      loading={eager ? "eager" : "lazy"}
      decoding="async"
      width={size}
      height={size}
    />
  );
}
