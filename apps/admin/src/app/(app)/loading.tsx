export default function Loading() {
  return (
    <div aria-busy="true" aria-live="polite">
      <span className="sr-only">Loading…</span>
      <div className="skeleton skeleton-line" style={{ width: "30%", height: 20 }} />
      <div className="stats" style={{ marginTop: 14 }}>
        {[0, 1, 2, 3].map((i) => (
          <div key={i} className="skeleton skeleton-block" style={{ height: 64 }} />
        ))}
      </div>
      <div className="skeleton skeleton-block" style={{ height: 260 }} />
    </div>
  );
}
