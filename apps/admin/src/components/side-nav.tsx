"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { NAV_ITEMS } from "../lib/navigation";
import { atLeast, type Role } from "../lib/roles";

export function SideNav({ role, openFlags }: { role: Role; openFlags?: number | undefined }) {
  const pathname = usePathname();
  return (
    <nav aria-label="Main" className="side-nav">
      <ul>
        {NAV_ITEMS.filter((item) => atLeast(role, item.min)).map((item) => {
          const active = item.href === "/" ? pathname === "/" : pathname === item.href || pathname.startsWith(`${item.href}/`);
          return (
            <li key={item.href}>
              <Link href={item.href} aria-current={active ? "page" : undefined} className={active ? "active" : undefined}>
                <span>{item.label}</span>
                {item.href === "/review" && openFlags ? (
                  <span className="badge">
                    <span aria-hidden="true">{openFlags}</span>
                    <span className="sr-only">{openFlags} open flags</span>
                  </span>
                ) : null}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
