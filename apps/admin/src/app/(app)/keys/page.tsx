import type { Metadata } from "next";
import { ErrorState, Refused, attempt } from "../../../components/states";
import { formatDate } from "../../../lib/format";
import { can } from "../../../lib/roles";
import { query, requireSession } from "../../../lib/session";
import { ApiKeysDocument } from "../../../operations/keys.operations";
import { CreateKeyForm, RevokeButton } from "./key-forms";

export const metadata: Metadata = { title: "API keys" };

export default async function KeysPage() {
  const session = await requireSession();
  if (!can.manageKeys(session.role)) {
    return (
      <>
        <div className="page-head">
          <h1>API keys</h1>
        </div>
        <Refused what="manage API keys" role={session.role} />
      </>
    );
  }
  const result = await attempt(() => query(ApiKeysDocument, {}));
  return (
    <>
      <div className="page-head">
        <div>
          <h1>API keys</h1>
          <p className="sub">Keys are stored hashed: a secret is shown once, when it is created.</p>
        </div>
      </div>
      <CreateKeyForm />
      {!result.ok ? (
        <ErrorState error={result.error} />
      ) : (
        <div className="table-wrap">
          <table className="data" aria-label="API keys">
            <thead>
              <tr>
                <th scope="col">Label</th>
                <th scope="col">Role</th>
                <th scope="col">Prefix</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {result.data.apiKeys.map((k) => (
                <tr key={k.id}>
                  <td>
                    {k.label} {k.id === session.keyId ? <span className="pill">you</span> : null}
                  </td>
                  <td>{k.role.toLowerCase()}</td>
                  <td className="mono">{k.prefix}…</td>
                  <td className="nowrap small">{formatDate(k.createdAt)}</td>
                  <td className="nowrap small">{formatDate(k.lastUsedAt)}</td>
                  <td>
                    {k.revoked ? (
                      <span className="pill pill-danger">revoked {formatDate(k.revokedAt)}</span>
                    ) : (
                      <span className="pill pill-ok">active</span>
                    )}
                  </td>
                  <td>{!k.revoked && k.id !== session.keyId ? <RevokeButton id={k.id} label={k.label} /> : null}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
