import Link from "next/link";

export default function NotFound() {
  return (
    <main className="login">
      <div className="login-card">
        <h1>Not found</h1>
        <p className="muted">That page, case or image does not exist (or is no longer in the catalogue).</p>
        <Link href="/" className="btn">
          Back to the dashboard
        </Link>
      </div>
    </main>
  );
}
