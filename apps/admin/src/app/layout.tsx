import type { Metadata, Viewport } from "next";
import type { ReactNode } from "react";
// One stylesheet in six parts, imported in cascade order.
import "./styles/base.css";
import "./styles/shell.css";
import "./styles/blocks.css";
import "./styles/forms.css";
import "./styles/content.css";
import "./styles/features.css";

export const metadata: Metadata = {
  title: { default: "MedCap admin", template: "%s · MedCap admin" },
  description: "Curate MedPix cases, review retrieval matches, resolve caption flags.",
  robots: { index: false, follow: false },
};

export const viewport: Viewport = { width: "device-width", initialScale: 1, colorScheme: "light" };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
